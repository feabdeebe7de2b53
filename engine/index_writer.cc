// Writing the index: a built segment into the index store, and merging all
// segments into one (purging deleted documents). Every function here but
// the public Optimize and Open's UpgradePostingsFormat writes with the token
// of the caller's transaction, so a crash at any point leaves the previous
// index.
//
// Segment order is docid order: a new segment only ever holds docids larger
// than every older one (docids come from AUTOINCREMENT), and a merge always
// merges every segment, so reading a term's lists in segment order yields
// increasing docids, which the cursors rely on.
#include <algorithm>
#include <cstdlib>
#include <limits>
#include <unordered_set>

#include "engine/database_impl.h"

namespace saiki::engine {

Status DatabaseImpl::WriteSegment(const storage::WriteToken& token,
                                  index::SegmentBuilder* builder, index::SegmentRuns* runs) {
  if (builder->empty() && (runs == nullptr || runs->runs() == 0)) return Status::Ok();
  SAIKI_ASSIGN_OR_RETURN(int64_t seg, index_store_->NextSegmentId(token));
  auto sink = [&](std::string_view term, uint32_t df, std::string_view list) {
    return index_store_->InsertList(token, term, seg, df, list);
  };
  if (runs == nullptr) {
    index::SegmentDocs docs;
    SAIKI_RETURN_IF_ERROR(builder->Finish(sink, &docs));
    return InsertSegmentDocs(token, seg, docs);
  }
  std::vector<index::DocInfo> docs;
  SAIKI_RETURN_IF_ERROR(runs->Finish(builder, sink, &docs));
  return InsertSegmentDocs(token, seg, index::EncodeSegmentDocs(docs));
}

std::string DatabaseImpl::ScratchDir() const {
  const std::string& path = conn_->path();
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) {
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status DatabaseImpl::InsertSegmentDocs(const storage::WriteToken& token, int64_t seg,
                                       const index::SegmentDocs& docs) {
  SAIKI_RETURN_IF_ERROR(index_store_->InsertSegment(
      token, {seg, docs.first_docid, docs.last_docid, docs.ndocs, docs.blob}));
  // The cold rows, in the same transaction (docs/FORMAT.md, format 4).
  for (size_t c = 0; c < docs.chunks.size(); ++c) {
    SAIKI_RETURN_IF_ERROR(
        index_store_->InsertColdChunk(token, seg, static_cast<int64_t>(c), docs.chunks[c]));
  }
  return Status::Ok();
}

index::ColdChunkScan DatabaseImpl::ColdChunksOf(int64_t seg) {
  return [store = index_store_.get(), seg](const index::ColdChunkVisitor& visit) {
    return store->ForEachColdChunk(seg, visit);
  };
}

Status DatabaseImpl::MaybeMerge(const storage::WriteToken& token) {
  SAIKI_ASSIGN_OR_RETURN(int64_t segments, index_store_->CountSegments());
  SAIKI_ASSIGN_OR_RETURN(int64_t tombstones, index_store_->CountTombstones());
  SAIKI_ASSIGN_OR_RETURN(int64_t products, catalog_store_->CountProducts());
  if (segments > kMaxSegments || tombstones * 5 > products) return MergeAllSegments(token);
  return Status::Ok();
}

Status DatabaseImpl::MergeAllSegments(const storage::WriteToken& token) {
  // The docs of every segment, less the deleted.
  std::unordered_set<uint32_t> dead;
  {
    SAIKI_ASSIGN_OR_RETURN(std::vector<int64_t> tombstones, index_store_->Tombstones());
    for (int64_t docid : tombstones) dead.insert(static_cast<uint32_t>(docid));
  }
  std::vector<index::DocInfo> live;
  int64_t old_segments = 0;
  {
    // Checked as Reload checks them: `lengths` below is sized by docid.
    SAIKI_ASSIGN_OR_RETURN(uint32_t max_docid, MaxAssignedDocid());
    SAIKI_RETURN_IF_ERROR(index_store_->ForEachSegment([&](const storage::SegmentView& seg) {
      ++old_segments;
      index::SegmentDocsRow docs_row{seg.first_docid, seg.last_docid, seg.ndocs};
      Status s = index::DecodeSegmentDocs(
          seg.docs, docs_row, max_docid,
          [&](const index::DocInfo& d) {
            if (!dead.count(d.docid)) live.push_back(d);
          },
          ColdChunksOf(seg.seg));
      return s.WithContext(conn_->path() + ": segment " + std::to_string(seg.seg));
    }));
  }
  if (old_segments <= 1 && dead.empty()) return Status::Ok();
  index::DocTable lengths;  // field lengths by docid, for the block bounds
  for (const auto& d : live) lengths.Add(d);

  SAIKI_ASSIGN_OR_RETURN(int64_t seg, index_store_->NextSegmentId(token));
  // Terms first, then one term at a time: reading and rewriting the same
  // table in one scan would revisit the rows it writes.
  SAIKI_ASSIGN_OR_RETURN(std::vector<std::string> terms, index_store_->DistinctTerms());
  index::PostingListWriter writer;
  std::array<std::vector<uint32_t>, index::kNumFields> positions;
  std::array<std::span<const uint32_t>, index::kNumFields> spans;
  for (const std::string& term : terms) {
    index::TermPostings tp;
    SAIKI_RETURN_IF_ERROR(
        index_store_->ForEachListOfTerm(term, [&](int64_t list_seg, std::string_view data) {
          auto list = index::PostingList::Parse(std::string(data));
          if (!list.ok()) {
            return list.status().WithContext(conn_->path() + ": merging the posting list of '" +
                                             term + "' in segment " + std::to_string(list_seg));
          }
          tp.lists.push_back(std::move(list).value());
          return Status::Ok();
        }));
    std::vector<const index::PostingList*> ptrs;
    for (const auto& l : tp.lists) ptrs.push_back(&l);
    SAIKI_RETURN_IF_ERROR(index_store_->DeleteListsOfTerm(token, term));
    if (dead.empty()) {
      // Nothing to purge (the merge after a large import): the lists are
      // joined block by block, without decoding a posting. Merging the two
      // segments of a 100k-product import took 2.6 s of CPU that way (4.1 s
      // wall), 0.7 s (1.2 s) joined.
      uint32_t df = 0;
      for (const auto& l : tp.lists) df += l.ndocs;
      auto joined = index::ConcatPostingLists(ptrs);
      if (!joined.ok()) return joined.status().WithContext(conn_->path() + ": merging postings");
      if (df == 0) continue;
      SAIKI_RETURN_IF_ERROR(index_store_->InsertList(token, term, seg, df, *joined));
      continue;
    }
    // The lists of one term agree on positions (TermHasPositions).
    const bool with_positions = tp.lists.empty() || tp.lists.front().has_positions;
    writer.set_with_positions(with_positions);
    index::TermCursor cursor(std::move(ptrs));
    for (; cursor.doc() != index::kEndDoc; cursor.Next()) {
      uint32_t d = cursor.doc();
      if (!lengths.live(d)) continue;
      if (!with_positions) {
        index::FieldTfs tfs;
        for (int f = 0; f < index::kNumFields; ++f) tfs[f] = cursor.tf(f);
        writer.AddDocFrequencies(d, tfs, lengths.lengths(d));
        continue;
      }
      for (int f = 0; f < index::kNumFields; ++f) {
        auto p = cursor.positions(f);
        positions[f].assign(p.begin(), p.end());
        spans[f] = positions[f];
      }
      writer.AddDoc(d, spans, lengths.lengths(d));
    }
    SAIKI_RETURN_IF_ERROR(cursor.status().WithContext(conn_->path() + ": merging postings"));
    uint32_t df = writer.doc_count();
    std::string list = writer.Finish();
    if (df == 0) continue;  // every document with the term was deleted
    SAIKI_RETURN_IF_ERROR(index_store_->InsertList(token, term, seg, df, list));
  }
  SAIKI_RETURN_IF_ERROR(index_store_->DeleteAllSegments(token));
  SAIKI_RETURN_IF_ERROR(index_store_->DeleteAllTombstones(token));
  if (!live.empty()) {
    SAIKI_RETURN_IF_ERROR(InsertSegmentDocs(token, seg, index::EncodeSegmentDocs(live)));
  }
  // The joined lists take fewer pages than the segments' did (one row and
  // one partly filled overflow page per term instead of one per segment):
  // give the difference back to the file system, in this transaction. A
  // no-op in files created without auto_vacuum (before format 2).
  return index_store_->IncrementalVacuum(token);
}

Status DatabaseImpl::UpgradePostingsFormat() {
  SAIKI_ASSIGN_OR_RETURN(int64_t format, index_store_->PostingsFormat());
  if (format == index::kPostingsFormat) return Status::Ok();
  if (format > index::kPostingsFormat) {
    return Status::NotSupported(conn_->path() + ": posting format " + std::to_string(format) +
                                " is newer than this saiki supports (" +
                                std::to_string(index::kPostingsFormat) + "); upgrade saiki");
  }
  if (read_only_) {
    return Status::NotSupported(conn_->path() + ": the index needs an upgrade (posting format " +
                                std::to_string(format) + "), which a read-only open cannot do");
  }
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  const storage::WriteToken& token = txn->token();
  // Another process may have upgraded first.
  SAIKI_ASSIGN_OR_RETURN(format, index_store_->PostingsFormat());
  if (format == index::kPostingsFormat) return Status::Ok();
  // Row ids first, then one list at a time (IndexStore::ListRowids).
  SAIKI_ASSIGN_OR_RETURN(std::vector<int64_t> rowids, index_store_->ListRowids());
  for (int64_t rowid : rowids) {
    SAIKI_ASSIGN_OR_RETURN(std::optional<storage::PostingListRow> row,
                           index_store_->GetListByRowid(rowid));
    if (!row) continue;
    auto upgraded = index::UpgradePostingList(row->data, index::TermHasPositions(row->term));
    if (!upgraded.ok()) {
      return upgraded.status().WithContext(conn_->path() + ": upgrading the posting list of '" +
                                           row->term + "' in segment " + std::to_string(row->seg));
    }
    SAIKI_RETURN_IF_ERROR(index_store_->UpdateListData(token, rowid, *upgraded));
  }
  SAIKI_RETURN_IF_ERROR(index_store_->SetPostingsFormat(token, index::kPostingsFormat));
  SAIKI_RETURN_IF_ERROR(BumpGenerations(token, kCatalogPart));
  SAIKI_RETURN_IF_ERROR(StoreCatalogMedians(token).status());
  return txn->Commit();
}

Status DatabaseImpl::UpgradeAnalysis() {
  SAIKI_ASSIGN_OR_RETURN(int64_t version, index_store_->AnalysisVersion());
  if (version == index::kAnalysisVersion) return Status::Ok();
  if (version > index::kAnalysisVersion) {
    return Status::NotSupported(conn_->path() + ": index analysis version " +
                                std::to_string(version) + " is newer than this saiki supports (" +
                                std::to_string(index::kAnalysisVersion) + "); upgrade saiki");
  }
  if (read_only_) {
    return Status::NotSupported(conn_->path() + ": the index needs re-indexing (analysis version " +
                                std::to_string(version) +
                                "), which a read-only open cannot do; open it once read-write");
  }
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  const storage::WriteToken& token = txn->token();
  SAIKI_ASSIGN_OR_RETURN(version, index_store_->AnalysisVersion());
  if (version == index::kAnalysisVersion) return Status::Ok();  // another process did it
  // Every list and segment goes; every product is analyzed again under its
  // own docid, in docid order, so the segments keep the docid-order rule.
  // Tombstones go too: the deleted products are in no new list.
  SAIKI_RETURN_IF_ERROR(index_store_->DeleteAllLists(token));
  SAIKI_RETURN_IF_ERROR(index_store_->DeleteAllSegments(token));
  SAIKI_RETURN_IF_ERROR(index_store_->DeleteAllTombstones(token));
  index::SegmentBuilder builder(analyzer_.get());
  builder.set_memory_budget(kSegmentMemoryBudget);
  index::SegmentRuns runs(ScratchDir());
  SAIKI_RETURN_IF_ERROR(catalog_store_->ForEachProduct([&](const storage::ProductRow& p) -> Status {
    index::IndexableDoc doc;
    doc.id = p.id;
    doc.title = p.title;
    doc.brand = p.brand;
    doc.category = p.category;
    doc.tags = p.tags;
    doc.description = p.description;
    doc.price = p.price ? static_cast<float>(*p.price) : std::numeric_limits<float>::quiet_NaN();
    if (p.rating) doc.rating = static_cast<float>(*p.rating);
    if (p.review_count) {
      doc.reviews = static_cast<uint32_t>(std::clamp<int64_t>(*p.review_count, 0, UINT32_MAX));
    }
    builder.Add(static_cast<uint32_t>(p.docid), doc);
    if (builder.memory_bytes() > kSegmentMemoryBudget) return runs.Spill(&builder);
    return Status::Ok();
  }));
  SAIKI_RETURN_IF_ERROR(WriteSegment(token, &builder, &runs));
  SAIKI_RETURN_IF_ERROR(MaybeMerge(token));
  SAIKI_RETURN_IF_ERROR(index_store_->SetAnalysisVersion(token, index::kAnalysisVersion));
  SAIKI_RETURN_IF_ERROR(BumpGenerations(token, kCatalogPart));
  SAIKI_RETURN_IF_ERROR(StoreCatalogMedians(token).status());
  return txn->Commit();
}

Status DatabaseImpl::Optimize() {
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_RETURN_IF_ERROR(MergeAllSegments(txn->token()));
  SAIKI_RETURN_IF_ERROR(BumpGenerations(txn->token(), kCatalogPart));
  SAIKI_ASSIGN_OR_RETURN(auto catalog, StoreCatalogMedians(txn->token()));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  return Reload(kCatalogPart, std::move(catalog));
}

}  // namespace saiki::engine
