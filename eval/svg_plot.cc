// SVG line chart. See svg_plot.h.
#include "eval/svg_plot.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace saiki::eval {
namespace {

const char* const kPalette[] = {"#7f7f7f", "#1f77b4", "#d62728", "#2ca02c",
                                "#9467bd", "#ff7f0e", "#8c564b", "#17becf"};

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Label(double v, double step) {
  char buf[32];
  int decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about n ticks.
double NiceStep(double range, int n) {
  if (!(range > 0)) return 1;
  double raw = range / n;
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / p;
  double nice = f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10;
  return nice * p;
}

}  // namespace

std::string LineChartSvg(const std::vector<PlotSeries>& series, const PlotOptions& options) {
  const double W = options.width, H = options.height;
  const double left = 64, right = 170, bottom = 52;
  const double top = options.title.empty() ? 20 : options.subtitle.empty() ? 44 : 62;
  const double pw = W - left - right, ph = H - top - bottom;

  size_t n = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series) {
    n = std::max(n, s.y.size());
    for (size_t i = 0; i < s.y.size(); ++i) {
      for (double v :
           {s.y[i], i < s.lo.size() ? s.lo[i] : s.y[i], i < s.hi.size() ? s.hi[i] : s.y[i]}) {
        if (std::isfinite(v)) {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
      }
    }
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 0.05, hi += 0.05;
  double pad = 0.05 * (hi - lo);
  double y0 = options.y_min ? *options.y_min : lo - pad;
  double y1 = options.y_max ? *options.y_max : hi + pad;
  if (y1 <= y0) y1 = y0 + 1;
  const double x0 = 1, x1 = std::max<double>(2, static_cast<double>(n));
  auto X = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto Y = [&](double y) { return top + (1 - (std::clamp(y, y0, y1) - y0) / (y1 - y0)) * ph; };

  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!options.title.empty()) {
    o << "<text x=\"" << Num(left + pw / 2) << "\" y=\"24\" text-anchor=\"middle\" "
      << "font-size=\"15\" font-weight=\"bold\">" << Escape(options.title) << "</text>\n";
    if (!options.subtitle.empty()) {
      o << "<text x=\"" << Num(left + pw / 2) << "\" y=\"44\" text-anchor=\"middle\" "
        << "fill=\"#444\">" << Escape(options.subtitle) << "</text>\n";
    }
  }
  // Grid and ticks.
  double ystep = NiceStep(y1 - y0, 6);
  for (double t = std::ceil(y0 / ystep) * ystep; t <= y1 + 1e-9; t += ystep) {
    o << "<line x1=\"" << Num(left) << "\" x2=\"" << Num(left + pw) << "\" y1=\"" << Num(Y(t))
      << "\" y2=\"" << Num(Y(t)) << "\" stroke=\"#e4e4e4\"/>\n"
      << "<text x=\"" << Num(left - 6) << "\" y=\"" << Num(Y(t) + 4) << "\" text-anchor=\"end\">"
      << Label(t, ystep) << "</text>\n";
  }
  double xstep = std::max(1.0, NiceStep(x1 - x0, 10));
  std::vector<double> xt = {1};
  for (double t = xstep; t <= x1 + 1e-9; t += xstep) {
    if (t > 1) xt.push_back(t);
  }
  for (double t : xt) {
    o << "<line x1=\"" << Num(X(t)) << "\" x2=\"" << Num(X(t)) << "\" y1=\"" << Num(top + ph)
      << "\" y2=\"" << Num(top + ph + 5) << "\" stroke=\"#333\"/>\n"
      << "<text x=\"" << Num(X(t)) << "\" y=\"" << Num(top + ph + 18)
      << "\" text-anchor=\"middle\">" << Label(t, 1) << "</text>\n";
  }
  o << "<rect x=\"" << Num(left) << "\" y=\"" << Num(top) << "\" width=\"" << Num(pw)
    << "\" height=\"" << Num(ph) << "\" fill=\"none\" stroke=\"#333\"/>\n";
  o << "<text x=\"" << Num(left + pw / 2) << "\" y=\"" << Num(H - 12)
    << "\" text-anchor=\"middle\">" << Escape(options.x_label) << "</text>\n";
  o << "<text transform=\"translate(16," << Num(top + ph / 2) << ") rotate(-90)\" "
    << "text-anchor=\"middle\">" << Escape(options.y_label) << "</text>\n";

  // Bands first, then lines on top.
  for (size_t si = 0; si < series.size(); ++si) {
    const auto& s = series[si];
    std::string color = s.color.empty() ? kPalette[si % 8] : s.color;
    if (s.lo.size() == s.y.size() && s.hi.size() == s.y.size() && !s.y.empty()) {
      o << "<polygon fill=\"" << color << "\" fill-opacity=\"0.18\" stroke=\"none\" points=\"";
      for (size_t i = 0; i < s.y.size(); ++i) o << Num(X(i + 1.0)) << "," << Num(Y(s.hi[i])) << " ";
      for (size_t i = s.y.size(); i-- > 0;) o << Num(X(i + 1.0)) << "," << Num(Y(s.lo[i])) << " ";
      o << "\"/>\n";
    }
  }
  for (size_t si = 0; si < series.size(); ++si) {
    const auto& s = series[si];
    std::string color = s.color.empty() ? kPalette[si % 8] : s.color;
    o << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\""
      << (s.dashed ? " stroke-dasharray=\"6,4\"" : "") << " points=\"";
    for (size_t i = 0; i < s.y.size(); ++i) o << Num(X(i + 1.0)) << "," << Num(Y(s.y[i])) << " ";
    o << "\"/>\n";
    if (s.y.size() <= 40) {
      for (size_t i = 0; i < s.y.size(); ++i) {
        o << "<circle cx=\"" << Num(X(i + 1.0)) << "\" cy=\"" << Num(Y(s.y[i]))
          << "\" r=\"2.5\" fill=\"" << color << "\"/>\n";
      }
    }
    // Legend.
    double ly = top + 10 + 22 * si;
    o << "<line x1=\"" << Num(left + pw + 16) << "\" x2=\"" << Num(left + pw + 44) << "\" y1=\""
      << Num(ly) << "\" y2=\"" << Num(ly) << "\" stroke=\"" << color << "\" stroke-width=\"2\""
      << (s.dashed ? " stroke-dasharray=\"6,4\"" : "") << "/>\n"
      << "<text x=\"" << Num(left + pw + 50) << "\" y=\"" << Num(ly + 4) << "\">" << Escape(s.name)
      << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError(path + ": cannot write: " + std::strerror(errno));
  out << text;
  out.close();
  if (!out) return Status::IoError(path + ": write failed: " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace saiki::eval
