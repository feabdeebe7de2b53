// A small hand-written SVG line chart for learning curves: one line per
// series with an optional confidence band, axes with ticks, a legend.
// No dependencies; the output is a self-contained SVG 1.1 document.
#ifndef SAIKI_EVAL_SVG_PLOT_H_
#define SAIKI_EVAL_SVG_PLOT_H_

#include <optional>
#include <string>
#include <vector>

#include "saiki/saiki.h"

namespace saiki::eval {

struct PlotSeries {
  std::string name;
  std::vector<double> y;       // y[i] is drawn at x = i + 1
  std::vector<double> lo, hi;  // band (same length as y), or empty
  std::string color;           // CSS colour; empty: from a palette
  bool dashed = false;
};

struct PlotOptions {
  std::string title;
  std::string subtitle;  // a smaller second line under the title
  std::string x_label = "session";
  std::string y_label = "NDCG@10";
  int width = 760, height = 460;
  // Axis range; unset: from the data, padded.
  std::optional<double> y_min, y_max;
};

std::string LineChartSvg(const std::vector<PlotSeries>& series, const PlotOptions& options);

// Writes `svg` to `path`. kIoError when it cannot.
Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace saiki::eval

#endif  // SAIKI_EVAL_SVG_PLOT_H_
