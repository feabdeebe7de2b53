// The segments of one import that did not fit its memory budget, kept as
// runs in a scratch file until the import ends, then joined term by term
// into one segment: each term's posting list reaches the store once.
//
// Without it every full builder became a segment in SQLite (a row per term
// and segment), and the merge that followed a large import read those rows
// back, deleted them and wrote the joined lists: at 1M products 15 segments
// and about 11 s of CPU in the import's serial tail (README, design notes).
// A run is the builder's Finish output appended to the file in term order,
// so the join is a k-way merge of sequential reads. The joined lists are
// what MergeAllSegments makes of the same segments when it purges nothing
// (ConcatPostingLists), byte for byte.
//
// The scratch file lives in the directory the caller names (the database's:
// the file system that holds the index has room for its postings), is
// unlinked from the start (O_TMPFILE, else a random name removed at once), so
// a crash leaves nothing behind, and is closed by the destructor. The docs of
// the runs stay in memory (64 bytes a product) until Finish.
#ifndef SAIKI_INDEX_SEGMENT_RUNS_H_
#define SAIKI_INDEX_SEGMENT_RUNS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "index/doc_table.h"
#include "index/segment_builder.h"
#include "saiki/status.h"

namespace saiki::index {

class SegmentRuns {
 public:
  using ListSink = std::function<Status(std::string_view term, uint32_t df, std::string_view list)>;

  // `scratch_dir`: where the scratch file goes, created at the first Spill.
  explicit SegmentRuns(std::string scratch_dir);
  ~SegmentRuns();
  SegmentRuns(const SegmentRuns&) = delete;
  SegmentRuns& operator=(const SegmentRuns&) = delete;

  // Finishes `builder` (which must not be empty) into a new run. Its docids
  // must all be above those of the runs before it (the builder's own rule).
  // kIoError names the scratch file when it cannot be created or written.
  Status Spill(SegmentBuilder* builder);
  size_t runs() const { return runs_.size(); }
  uint64_t scratch_bytes() const { return file_end_; }

  // Joins every run and then `last` (finished here; may be empty) and hands
  // each term's list to `sink` once, in term byte order, with the sum of
  // its document frequencies; the docs of all of them go to *docs in docid
  // order. Leaves no runs. Stops at the first sink error.
  Status Finish(SegmentBuilder* last, const ListSink& sink, std::vector<DocInfo>* docs);

 private:
  class RunReader;
  Status OpenScratch();
  Status Append(std::string_view bytes);
  Status FlushBuffer();

  struct Run {
    uint64_t begin = 0, end = 0;  // byte range in the scratch file
  };
  std::string scratch_dir_;
  std::string scratch_name_;  // for messages
  int fd_ = -1;
  uint64_t file_end_ = 0;     // bytes written, buffered ones included
  std::string buffer_;        // writes waiting for the file
  std::vector<Run> runs_;
  std::vector<DocInfo> docs_;
};

}  // namespace saiki::index

#endif  // SAIKI_INDEX_SEGMENT_RUNS_H_
