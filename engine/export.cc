// Exporting the logged features for offline learning to rank: every shown
// result of every logged impression as one SVMlight/LETOR line with its
// click-derived label (format: Database::ExportFeatures in saiki.h, README
// "Training offline with XGBoost"). It reads the feature vectors logged
// when the results were shown, the same ones the online learner trains on,
// so a model trained offline sees exactly what the ranker scored.
//
// Privacy: the lines carry the query id (a number), the product id and the
// features; never the user, the query text or the time. The user features
// (user_clicks_*, ...) are numbers derived from the user's own clicks, as
// the online learner uses them.
//
// The export runs in one read transaction, so it is a consistent snapshot
// even while other processes log searches and clicks; it streams, holding
// one impression at a time.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "engine/database_impl.h"

namespace saiki::engine {
namespace {

// Shortest decimal that reads back as the same float (so XGBoost, reading
// it as float32, splits on exactly the value saiki scores).
void AppendFloat(std::string* out, float v) {
  std::array<char, 32> buf;
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out->append(buf.data(), ec == std::errc() ? end : buf.data());
}

// Product ids may hold anything but NUL; keep the line one line and the
// comment one token.
void AppendId(std::string* out, std::string_view id) {
  static const char kHex[] = "0123456789ABCDEF";
  for (char ch : id) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == '#' || c == '%' || c == 0x7f) {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(ch);
    }
  }
}

}  // namespace

Result<uint64_t> DatabaseImpl::ExportFeatures(std::ostream& out, std::ostream* names_out) {
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  if (names_out != nullptr) {
    for (const char* name : ranker::kFeatureNames) *names_out << name << '\n';
    names_out->flush();
    if (!*names_out) return Status::IoError("export: writing the feature names failed");
  }
  storage::ReadTransaction snapshot(conn_.get());
  SAIKI_RETURN_IF_ERROR(snapshot.Begin());
  uint64_t lines = 0;
  std::string line;
  SAIKI_RETURN_IF_ERROR(logs_->ForEachExported([&](const storage::ExportedImpression& imp) {
    for (size_t r = 0; r < imp.features.rows; ++r) {
      line.clear();
      line += std::to_string(imp.labels[r]);
      line += " qid:";
      line += std::to_string(imp.query_id);
      const float* v = imp.features.row(r);
      for (int f = 0; f < ranker::kNumFeatures; ++f) {
        line += ' ';
        line += std::to_string(f + 1);
        line += ':';
        AppendFloat(&line, v[f]);
      }
      line += " # ";
      line += std::to_string(imp.query_id);
      line += ' ';
      AppendId(&line, imp.product_ids[r]);
      line += '\n';
      out.write(line.data(), static_cast<std::streamsize>(line.size()));
      ++lines;
    }
    if (!out) {
      return Status::IoError("export: writing the features failed after " +
                             std::to_string(lines) + " lines");
    }
    return Status::Ok();
  }));
  out.flush();
  if (!out) return Status::IoError("export: writing the features failed");
  SAIKI_RETURN_IF_ERROR(snapshot.End());
  return lines;
}

}  // namespace saiki::engine
