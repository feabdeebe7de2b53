// Writing the index: a built segment into SQLite, and merging all segments
// into one (purging deleted documents). Every function here runs inside the
// caller's transaction, so a crash at any point leaves the previous index.
//
// Segment order is docid order: a new segment only ever holds docids larger
// than every older one (docids come from AUTOINCREMENT), and a merge always
// merges every segment, so reading a term's lists in segment order yields
// increasing docids, which the cursors rely on.
#include <unordered_set>

#include "engine/database_impl.h"

namespace saiki::engine {

Result<int64_t> DatabaseImpl::NextSegmentId() {
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * st,
                         conn_->Prepare("SELECT value FROM meta WHERE key = 'next_seg'"));
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return Status::Corruption(conn_->path() + ": meta.next_seg is missing");
  int64_t seg = st->ColumnInt(0);
  st->Reset();
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * up,
                         conn_->Prepare("UPDATE meta SET value = ?1 WHERE key = 'next_seg'"));
  up->Bind(1, seg + 1);
  SAIKI_RETURN_IF_ERROR(up->Run());
  return seg;
}

Status DatabaseImpl::WriteSegment(index::SegmentBuilder* builder) {
  if (builder->empty()) return Status::Ok();
  SAIKI_ASSIGN_OR_RETURN(int64_t seg, NextSegmentId());
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * ins,
      conn_->Prepare("INSERT INTO postings(term, seg, df, data) VALUES (?1, ?2, ?3, ?4)"));
  std::string docs_blob;
  SAIKI_RETURN_IF_ERROR(builder->Finish(
      [&](std::string_view term, uint32_t df, std::string_view list) {
        ins->Reset();
        ins->BindBlob(1, term).Bind(2, seg).Bind(3, df).BindBlob(4, list);
        return ins->Run();
      },
      &docs_blob));
  // The segment's docid range, read back from its docs blob.
  uint32_t first = index::kEndDoc, last = 0, n = 0;
  SAIKI_RETURN_IF_ERROR(index::DecodeDocs(docs_blob, [&](const index::DocInfo& d) {
    first = std::min(first, d.docid);
    last = std::max(last, d.docid);
    ++n;
  }));
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * seg_ins,
      conn_->Prepare("INSERT INTO segments(seg, first_docid, last_docid, ndocs, docs) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)"));
  seg_ins->Bind(1, seg).Bind(2, first).Bind(3, last).Bind(4, n).BindBlob(5, docs_blob);
  return seg_ins->Run();
}

Status DatabaseImpl::MaybeMerge() {
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * st,
                         conn_->Prepare("SELECT (SELECT count(*) FROM segments), "
                                        "(SELECT count(*) FROM tombstones), "
                                        "(SELECT count(*) FROM products)"));
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  int64_t segments = row ? st->ColumnInt(0) : 0;
  int64_t tombstones = row ? st->ColumnInt(1) : 0;
  int64_t products = row ? st->ColumnInt(2) : 0;
  st->Reset();
  if (segments > kMaxSegments || tombstones * 5 > products) return MergeAllSegments();
  return Status::Ok();
}

Status DatabaseImpl::MergeAllSegments() {
  // The docs of every segment, less the deleted.
  std::unordered_set<uint32_t> dead;
  {
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * st, conn_->Prepare("SELECT docid FROM tombstones"));
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      dead.insert(static_cast<uint32_t>(st->ColumnInt(0)));
    }
  }
  std::vector<index::DocInfo> live;
  int64_t old_segments = 0;
  {
    // Checked as Reload checks them: `lengths` below is sized by docid.
    SAIKI_ASSIGN_OR_RETURN(uint32_t max_docid, MaxAssignedDocid());
    SAIKI_ASSIGN_OR_RETURN(
        storage::Statement * st,
        conn_->Prepare("SELECT seg, first_docid, last_docid, ndocs, docs FROM segments "
                       "ORDER BY seg"));
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      ++old_segments;
      index::SegmentDocsRow docs_row{st->ColumnInt(1), st->ColumnInt(2), st->ColumnInt(3)};
      Status s = index::DecodeSegmentDocs(st->ColumnBlob(4), docs_row, max_docid,
                                          [&](const index::DocInfo& d) {
                                            if (!dead.count(d.docid)) live.push_back(d);
                                          });
      if (!s.ok()) {
        int64_t seg = st->ColumnInt(0);
        st->Reset();
        return s.WithContext(conn_->path() + ": segment " + std::to_string(seg));
      }
    }
  }
  if (old_segments <= 1 && dead.empty()) return Status::Ok();
  index::DocTable lengths;  // field lengths by docid, for the block bounds
  for (const auto& d : live) lengths.Add(d);

  SAIKI_ASSIGN_OR_RETURN(int64_t seg, NextSegmentId());
  // Terms first, then one term at a time: reading and rewriting the same
  // table in one scan would revisit the rows it writes.
  std::vector<std::string> terms;
  {
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * st,
                           conn_->Prepare("SELECT DISTINCT term FROM postings ORDER BY term"));
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      terms.emplace_back(st->ColumnBlob(0));
    }
  }
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * read,
                         conn_->Prepare("SELECT data FROM postings WHERE term = ?1 ORDER BY seg"));
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * del,
                         conn_->Prepare("DELETE FROM postings WHERE term = ?1"));
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * ins,
      conn_->Prepare("INSERT INTO postings(term, seg, df, data) VALUES (?1, ?2, ?3, ?4)"));
  index::PostingListWriter writer;
  std::array<std::vector<uint32_t>, index::kNumFields> positions;
  std::array<std::span<const uint32_t>, index::kNumFields> spans;
  for (const std::string& term : terms) {
    index::TermPostings tp;
    read->Reset();
    read->BindBlob(1, term);
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, read->Step());
      if (!row) break;
      SAIKI_ASSIGN_OR_RETURN(index::PostingList list,
                             index::PostingList::Parse(std::string(read->ColumnBlob(0))));
      tp.lists.push_back(std::move(list));
    }
    read->Reset();
    std::vector<const index::PostingList*> ptrs;
    for (const auto& l : tp.lists) ptrs.push_back(&l);
    del->Reset();
    del->BindBlob(1, term);
    SAIKI_RETURN_IF_ERROR(del->Run());
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
      ins->Reset();
      ins->BindBlob(1, term).Bind(2, seg).Bind(3, df).BindBlob(4, *joined);
      SAIKI_RETURN_IF_ERROR(ins->Run());
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
    ins->Reset();
    ins->BindBlob(1, term).Bind(2, seg).Bind(3, df).BindBlob(4, list);
    SAIKI_RETURN_IF_ERROR(ins->Run());
  }
  SAIKI_RETURN_IF_ERROR(conn_->Exec("DELETE FROM segments; DELETE FROM tombstones"));
  if (!live.empty()) {
    SAIKI_ASSIGN_OR_RETURN(
        storage::Statement * seg_ins,
        conn_->Prepare("INSERT INTO segments(seg, first_docid, last_docid, ndocs, docs) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)"));
    seg_ins->Bind(1, seg)
        .Bind(2, live.front().docid)
        .Bind(3, live.back().docid)
        .Bind(4, static_cast<int64_t>(live.size()))
        .BindBlob(5, index::EncodeDocs(live));
    SAIKI_RETURN_IF_ERROR(seg_ins->Run());
  }
  // The joined lists take fewer pages than the segments' did (one row and
  // one partly filled overflow page per term instead of one per segment):
  // give the difference back to the file system, in this transaction. A
  // no-op in files created without auto_vacuum (before format 2).
  return conn_->Exec("PRAGMA incremental_vacuum");
}

Status DatabaseImpl::UpgradePostingsFormat() {
  auto read_format = [&]() -> Result<int64_t> {
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * st,
                           conn_->Prepare("SELECT value FROM meta WHERE key = 'postings_format'"));
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    int64_t format = row ? st->ColumnInt(0) : -1;
    st->Reset();
    if (format < 1) return Status::Corruption(conn_->path() + ": meta.postings_format is missing");
    return format;
  };
  SAIKI_ASSIGN_OR_RETURN(int64_t format, read_format());
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
  SAIKI_ASSIGN_OR_RETURN(format, read_format());  // another process may have upgraded first
  if (format == index::kPostingsFormat) return Status::Ok();
  // Row ids first: updating rows of the table a statement is scanning could
  // revisit them.
  std::vector<int64_t> rowids;
  {
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * st, conn_->Prepare("SELECT rowid FROM postings"));
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      rowids.push_back(st->ColumnInt(0));
    }
  }
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * read,
                         conn_->Prepare("SELECT term, seg, data FROM postings WHERE rowid = ?1"));
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * write,
                         conn_->Prepare("UPDATE postings SET data = ?2 WHERE rowid = ?1"));
  for (int64_t rowid : rowids) {
    read->Reset();
    read->Bind(1, rowid);
    SAIKI_ASSIGN_OR_RETURN(bool row, read->Step());
    if (!row) continue;
    const std::string term(read->ColumnBlob(0));
    auto upgraded = index::UpgradePostingList(read->ColumnBlob(2), index::TermHasPositions(term));
    if (!upgraded.ok()) {
      int64_t seg = read->ColumnInt(1);
      read->Reset();
      return upgraded.status().WithContext(conn_->path() + ": upgrading the posting list of '" +
                                           term + "' in segment " + std::to_string(seg));
    }
    read->Reset();
    write->Reset();
    write->Bind(1, rowid).BindBlob(2, *upgraded);
    SAIKI_RETURN_IF_ERROR(write->Run());
  }
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * bump,
      conn_->Prepare("UPDATE meta SET value = ?1 WHERE key = 'postings_format'"));
  bump->Bind(1, static_cast<int64_t>(index::kPostingsFormat));
  SAIKI_RETURN_IF_ERROR(bump->Run());
  SAIKI_RETURN_IF_ERROR(BumpGenerations(kCatalogPart));
  return txn->Commit();
}

Status DatabaseImpl::Optimize() {
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_RETURN_IF_ERROR(MergeAllSegments());
  SAIKI_RETURN_IF_ERROR(BumpGenerations(kCatalogPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  return Reload(kCatalogPart);
}

}  // namespace saiki::engine
