// Database::Check: a full integrity check of the file and of the index
// against the product table. Read-only; safe to run while others write
// (it reads one snapshot).
//
// Checks, in order:
//   1. SQLite's own PRAGMA integrity_check;
//   2. every segment's docs blob decodes, docids lie in the segment's range
//      and segments do not overlap, in increasing order;
//   3. every live product has exactly one live entry in the docs tables,
//      every live entry is a product, and tombstones are not products;
//   4. every posting list decodes whole (docs, frequencies, positions), its
//      document count matches its header and the `df` column, and every
//      docid it holds belongs to its segment;
//   5. every model version's parameters load, and each learner's active
//      version exists.
// Each problem is reported with where it is; the check goes on after one.
#include <set>
#include <unordered_set>

#include "engine/database_impl.h"

namespace saiki::engine {

Result<CheckReport> DatabaseImpl::Check() {
  CheckReport report;
  auto problem = [&](std::string what) {
    if (report.problems.size() < 100) report.problems.push_back(std::move(what));
    ++report.problem_count;
  };
  SAIKI_RETURN_IF_ERROR(conn_->Exec("BEGIN"));
  struct End {
    storage::Connection* c;
    ~End() { (void)c->Exec("COMMIT"); }
  } end{conn_.get()};

  // 1. SQLite.
  {
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * st, conn_->Prepare("PRAGMA integrity_check"));
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      std::string line(st->ColumnText(0));
      if (line != "ok") problem("sqlite: " + line);
    }
  }

  // 2. Segments and their docs.
  struct Segment {
    int64_t seg, first, last;
  };
  std::vector<Segment> segments;
  std::unordered_map<uint32_t, int64_t> doc_segment;  // docid -> seg
  {
    SAIKI_ASSIGN_OR_RETURN(
        storage::Statement * st,
        conn_->Prepare("SELECT seg, first_docid, last_docid, ndocs, docs FROM segments ORDER BY seg"));
    int64_t prev_last = -1;
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      Segment s{st->ColumnInt(0), st->ColumnInt(1), st->ColumnInt(2)};
      int64_t ndocs = st->ColumnInt(3);
      std::string where = "segment " + std::to_string(s.seg);
      if (s.first <= prev_last) problem(where + ": docids overlap an earlier segment");
      prev_last = s.last;
      int64_t n = 0;
      Status decoded = index::DecodeDocs(st->ColumnBlob(4), [&](const index::DocInfo& d) {
        ++n;
        if (d.docid < s.first || d.docid > s.last) {
          problem(where + ": docid " + std::to_string(d.docid) + " outside its range");
        }
        if (!doc_segment.emplace(d.docid, s.seg).second) {
          problem(where + ": docid " + std::to_string(d.docid) + " is in two segments");
        }
      });
      if (!decoded.ok()) problem(where + ": " + decoded.message());
      if (decoded.ok() && n != ndocs) {
        problem(where + ": holds " + std::to_string(n) + " docs, header says " +
                std::to_string(ndocs));
      }
      segments.push_back(s);
      ++report.segments;
    }
  }

  // 3. Products against the docs tables and tombstones.
  std::unordered_set<uint32_t> tombstones;
  {
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * st, conn_->Prepare("SELECT docid FROM tombstones"));
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      tombstones.insert(static_cast<uint32_t>(st->ColumnInt(0)));
    }
  }
  std::unordered_set<uint32_t> products;
  {
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * st,
                           conn_->Prepare("SELECT docid, id FROM products"));
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      uint32_t docid = static_cast<uint32_t>(st->ColumnInt(0));
      products.insert(docid);
      ++report.products;
      if (tombstones.count(docid)) {
        problem("product '" + std::string(st->ColumnText(1)) + "' (docid " +
                std::to_string(docid) + ") is marked deleted");
      } else if (!doc_segment.count(docid)) {
        problem("product '" + std::string(st->ColumnText(1)) + "' (docid " +
                std::to_string(docid) + ") is not in the index");
      }
    }
  }
  for (const auto& [docid, seg] : doc_segment) {
    if (!tombstones.count(docid) && !products.count(docid)) {
      problem("segment " + std::to_string(seg) + ": docid " + std::to_string(docid) +
              " is indexed but is no product and not deleted");
    }
  }

  // 4. Posting lists.
  {
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * st,
                           conn_->Prepare("SELECT term, seg, df, data FROM postings"));
    std::set<int64_t> known;
    for (const auto& s : segments) known.insert(s.seg);
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      ++report.posting_lists;
      int64_t seg = st->ColumnInt(1);
      int64_t df = st->ColumnInt(2);
      std::string term(st->ColumnBlob(0));
      std::string where = "posting list of term '" + term + "' in segment " + std::to_string(seg);
      if (!known.count(seg)) {
        problem(where + ": no such segment");
        continue;
      }
      auto list = index::PostingList::Parse(std::string(st->ColumnBlob(3)));
      if (!list.ok()) {
        problem(where + ": " + list.status().message());
        continue;
      }
      if (list->has_positions != index::TermHasPositions(term)) {
        problem(where + (list->has_positions ? ": stores positions its term never needs"
                                              : ": lacks the positions its term needs"));
      }
      index::TermCursor cursor({&list.value()});
      int64_t n = 0;
      for (; cursor.doc() != index::kEndDoc; cursor.Next()) {
        ++n;
        for (int f = 0; f < index::kNumFields && list->has_positions; ++f) {
          auto pos = cursor.positions(f);
          if (pos.size() != cursor.tf(f)) {
            problem(where + ": docid " + std::to_string(cursor.doc()) +
                    ": positions do not match the frequency");
            break;
          }
        }
        auto it = doc_segment.find(cursor.doc());
        if (it == doc_segment.end() || it->second != seg) {
          problem(where + ": docid " + std::to_string(cursor.doc()) + " is not in the segment");
        }
      }
      if (!cursor.status().ok()) problem(where + ": " + cursor.status().message());
      if (cursor.status().ok() && (n != list->ndocs || n != df)) {
        problem(where + ": holds " + std::to_string(n) + " docs, header " +
                std::to_string(list->ndocs) + ", df " + std::to_string(df));
      }
    }
  }

  // 5. Models and learners.
  {
    SAIKI_RETURN_IF_ERROR(models_->ForEachVersion(
        [&](int64_t version, std::string_view scope, std::string_view kind,
            std::string_view params) {
          ++report.model_versions;
          if (kind != "linear") return;  // other kinds validate on import
          const std::string text(params);
          Status s = scope == "global" ? ranker::GlobalLinearModel::FromJson(text).status()
                                       : ranker::PersonalLinearModel::FromJson(text).status();
          if (!s.ok()) problem("model version " + std::to_string(version) + ": " + s.message());
        }));
    SAIKI_ASSIGN_OR_RETURN(auto missing, models_->LearnersWithMissingVersions());
    for (const auto& [user, version] : missing) {
      problem("learner '" + (user.empty() ? std::string("global") : user) +
              "': active version " + std::to_string(version) + " does not exist");
    }
  }
  report.ok = report.problem_count == 0;
  return report;
}

}  // namespace saiki::engine
