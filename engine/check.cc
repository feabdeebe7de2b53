// Database::Check: a full integrity check of the file and of the index
// against the product table. Read-only; safe to run while others write
// (it reads one snapshot). Sections 1-4 read through the stores
// (storage/meta_store.h, index_store.h, catalog_store.h).
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
//      version exists;
//   6. the category medians stored for the current catalogue (if any) are
//      those its docs give.
// Each problem is reported with where it is; the check goes on after one.
#include <algorithm>
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
  // One snapshot for every section, whatever others commit meanwhile.
  storage::ReadTransaction snapshot(conn_.get());
  SAIKI_RETURN_IF_ERROR(snapshot.Begin());

  // 1. SQLite.
  {
    SAIKI_ASSIGN_OR_RETURN(std::vector<std::string> lines, meta_store_->IntegrityProblems());
    for (const std::string& line : lines) problem("sqlite: " + line);
  }

  // 2. Segments and their docs.
  struct Segment {
    int64_t seg, first, last;
  };
  std::vector<Segment> segments;
  std::unordered_map<uint32_t, int64_t> doc_segment;  // docid -> seg
  std::set<int64_t> cold_in_blob;                      // segments of formats 1-3
  {
    int64_t prev_last = -1;
    SAIKI_RETURN_IF_ERROR(index_store_->ForEachSegment([&](const storage::SegmentView& row) {
      Segment s{row.seg, row.first_docid, row.last_docid};
      std::string where = "segment " + std::to_string(s.seg);
      if (s.first <= prev_last) problem(where + ": docids overlap an earlier segment");
      prev_last = s.last;
      int64_t n = 0;
      // Format 4: with its cold chunks (table doc_cold), each checked.
      Status decoded = index::DecodeDocs(
          row.docs,
          [&](const index::DocInfo& d) {
            ++n;
            if (d.docid < s.first || d.docid > s.last) {
              problem(where + ": docid " + std::to_string(d.docid) + " outside its range");
            }
            if (!doc_segment.emplace(d.docid, s.seg).second) {
              problem(where + ": docid " + std::to_string(d.docid) + " is in two segments");
            }
          },
          ColdChunksOf(s.seg));
      if (!decoded.ok()) problem(where + ": " + decoded.message());
      if (decoded.ok() && n != row.ndocs) {
        problem(where + ": holds " + std::to_string(n) + " docs, header says " +
                std::to_string(row.ndocs));
      }
      if (!row.docs.empty() && row.docs[0] != index::kDocsFormat) {
        cold_in_blob.insert(s.seg);  // an older format: no chunks
      }
      segments.push_back(s);
      ++report.segments;
      return Status::Ok();
    }));
    // Cold chunks of no segment, or of a segment whose blob holds its cold
    // rows itself (the decode above checked those of format 4 segments).
    SAIKI_ASSIGN_OR_RETURN(auto chunk_counts, index_store_->ColdChunkCounts());
    for (const auto& seg_count : chunk_counts) {
      const int64_t seg = seg_count.first, count = seg_count.second;
      const bool known = std::any_of(segments.begin(), segments.end(),
                                     [seg](const Segment& x) { return x.seg == seg; });
      if (!known || cold_in_blob.count(seg)) {
        problem("segment " + std::to_string(seg) + ": " + std::to_string(count) +
                " cold chunks of " + (known ? "a segment in an older docs format" : "no segment"));
      }
    }
  }

  // 3. Products against the docs tables and tombstones.
  std::unordered_set<uint32_t> tombstones;
  {
    SAIKI_ASSIGN_OR_RETURN(std::vector<int64_t> docids, index_store_->Tombstones());
    for (int64_t docid : docids) tombstones.insert(static_cast<uint32_t>(docid));
  }
  std::unordered_set<uint32_t> products;
  SAIKI_RETURN_IF_ERROR(
      catalog_store_->ForEachProductId([&](int64_t stored_docid, std::string_view id) {
        uint32_t docid = static_cast<uint32_t>(stored_docid);
        products.insert(docid);
        ++report.products;
        if (tombstones.count(docid)) {
          problem("product '" + std::string(id) + "' (docid " + std::to_string(docid) +
                  ") is marked deleted");
        } else if (!doc_segment.count(docid)) {
          problem("product '" + std::string(id) + "' (docid " + std::to_string(docid) +
                  ") is not in the index");
        }
        return Status::Ok();
      }));
  for (const auto& [docid, seg] : doc_segment) {
    if (!tombstones.count(docid) && !products.count(docid)) {
      problem("segment " + std::to_string(seg) + ": docid " + std::to_string(docid) +
              " is indexed but is no product and not deleted");
    }
  }

  // 4. Posting lists.
  {
    std::set<int64_t> known;
    for (const auto& s : segments) known.insert(s.seg);
    SAIKI_RETURN_IF_ERROR(index_store_->ForEachList([&](const storage::PostingListView& row) {
      ++report.posting_lists;
      const int64_t seg = row.seg;
      const int64_t df = row.df;
      const std::string term(row.term);
      std::string where = "posting list of term '" + term + "' in segment " + std::to_string(seg);
      if (!known.count(seg)) {
        problem(where + ": no such segment");
        return Status::Ok();
      }
      auto list = index::PostingList::Parse(std::string(row.data));
      if (!list.ok()) {
        problem(where + ": " + list.status().message());
        return Status::Ok();
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
      return Status::Ok();
    }));
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
  // 6. The category medians stored for the current catalogue (a cache of
  // what the docs imply) equal those computed from the docs.
  {
    SAIKI_ASSIGN_OR_RETURN(Generations gens, ReadGenerations());
    auto catalog = LoadCatalogState(gens.catalog);
    if (!catalog.ok()) {
      problem(catalog.status().message());
    } else if (Status cold = (*catalog)->docs.EnsureCold(); !cold.ok()) {
      problem(cold.message());
    } else if ((*catalog)->has_medians()) {
      const ranker::CategoryMedians& stored = (*catalog)->Medians();
      const ranker::CategoryMedians computed = ranker::ComputeCategoryMedians((*catalog)->docs);
      if (stored.size() != computed.size()) {
        problem("category medians: " + std::to_string(stored.size()) + " categories stored, " +
                std::to_string(computed.size()) + " in the docs");
      }
      for (const auto& [leaf, median] : computed) {
        auto it = stored.find(leaf);
        if (it == stored.end() || it->second != median) {
          problem("category medians: leaf " + std::to_string(leaf) + ": stored " +
                  (it == stored.end() ? std::string("none") : std::to_string(it->second)) +
                  ", the docs give " + std::to_string(median));
        }
      }
    }
  }
  report.ok = report.problem_count == 0;
  return report;
}

}  // namespace saiki::engine
