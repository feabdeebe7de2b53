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
#include <cstring>

#include "engine/database_impl.h"

namespace saiki::engine {
namespace {

// Reads the little-endian float i of a logged feature blob.
float LoggedFloat(std::string_view blob, size_t i) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(blob.data()) + 4 * i;
  uint32_t bits =
      uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

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

// BEGIN (deferred: the first read takes the snapshot) ... COMMIT, or
// ROLLBACK when left early.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(storage::Connection* conn) : conn_(conn) {}
  Status Begin() {
    SAIKI_RETURN_IF_ERROR(conn_->Exec("BEGIN"));
    open_ = true;
    return Status::Ok();
  }
  Status End() {
    open_ = false;
    return conn_->Exec("COMMIT");
  }
  ~ReadSnapshot() {
    if (open_) (void)conn_->Exec("ROLLBACK");
  }

 private:
  storage::Connection* conn_;
  bool open_ = false;
};

}  // namespace

Result<uint64_t> DatabaseImpl::ExportFeatures(std::ostream& out, std::ostream* names_out) {
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  if (names_out != nullptr) {
    for (const char* name : ranker::kFeatureNames) *names_out << name << '\n';
    names_out->flush();
    if (!*names_out) return Status::IoError("export: writing the feature names failed");
  }
  ReadSnapshot snapshot(conn_.get());
  SAIKI_RETURN_IF_ERROR(snapshot.Begin());
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * imp,
      conn_->Prepare("SELECT query_id, nfeatures, features FROM impressions ORDER BY query_id"));
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * items,
      conn_->Prepare("SELECT position, product_id FROM impression_items WHERE query_id = ?1 "
                     "ORDER BY position"));
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * clicks,
      conn_->Prepare(
          "SELECT position, max(kind) FROM clicks WHERE query_id = ?1 GROUP BY position"));
  imp->Reset();
  uint64_t lines = 0;
  std::vector<int> label;
  std::vector<std::string> product;
  std::string line;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, imp->Step());
    if (!row) break;
    const int64_t qid = imp->ColumnInt(0);
    const std::string where = conn_->path() + ": query id " + std::to_string(qid);
    auto corrupt = [&](const std::string& what) {
      imp->Reset();
      return Status::Corruption(where + ": " + what);
    };
    if (imp->ColumnInt(1) != ranker::kNumFeatures) {
      return corrupt("logged " + std::to_string(imp->ColumnInt(1)) +
                     " features; this saiki computes " + std::to_string(ranker::kNumFeatures));
    }
    std::string_view blob = imp->ColumnBlob(2);
    const size_t row_bytes = 4 * ranker::kNumFeatures;
    if (blob.size() % row_bytes != 0) return corrupt("logged features truncated");
    const size_t shown = blob.size() / row_bytes;

    product.assign(shown, std::string());
    items->Reset();
    items->Bind(1, qid);
    size_t found = 0;
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool more, items->Step());
      if (!more) break;
      int64_t pos = items->ColumnInt(0);
      if (pos < 0 || static_cast<size_t>(pos) >= shown) {
        items->Reset();
        return corrupt("a shown product at position " + std::to_string(pos) + " of " +
                       std::to_string(shown));
      }
      product[static_cast<size_t>(pos)] = std::string(items->ColumnText(1));
      ++found;
    }
    if (found != shown) {
      return corrupt(std::to_string(shown) + " feature rows but " + std::to_string(found) +
                     " shown products");
    }
    label.assign(shown, 0);
    clicks->Reset();
    clicks->Bind(1, qid);
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool more, clicks->Step());
      if (!more) break;
      int64_t pos = clicks->ColumnInt(0);
      if (pos >= 0 && static_cast<size_t>(pos) < shown) {
        label[static_cast<size_t>(pos)] =
            static_cast<int>(std::clamp<int64_t>(clicks->ColumnInt(1), 1, 3));
      }
    }

    for (size_t r = 0; r < shown; ++r) {
      line.clear();
      line += std::to_string(label[r]);
      line += " qid:";
      line += std::to_string(qid);
      for (int f = 0; f < ranker::kNumFeatures; ++f) {
        float v = LoggedFloat(blob, r * ranker::kNumFeatures + f);
        if (!std::isfinite(v)) return corrupt("logged features hold NaN or infinity");
        line += ' ';
        line += std::to_string(f + 1);
        line += ':';
        AppendFloat(&line, v);
      }
      line += " # ";
      line += std::to_string(qid);
      line += ' ';
      AppendId(&line, product[r]);
      line += '\n';
      out.write(line.data(), static_cast<std::streamsize>(line.size()));
      ++lines;
    }
    if (!out) {
      imp->Reset();
      return Status::IoError("export: writing the features failed after " + std::to_string(lines) +
                             " lines");
    }
  }
  out.flush();
  if (!out) return Status::IoError("export: writing the features failed");
  SAIKI_RETURN_IF_ERROR(snapshot.End());
  return lines;
}

}  // namespace saiki::engine
