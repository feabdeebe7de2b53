// Runs of an import in a scratch file, joined at its end. See segment_runs.h.
#include "index/segment_runs.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "index/postings.h"

namespace saiki::index {
namespace {

// A run is a sequence of records, each a 12-byte header (term bytes, df,
// list bytes; host byte order: the file never outlives the process that
// wrote it) followed by the term and the list.
constexpr size_t kHeaderBytes = 12;
// Writes go out in pieces of this size; each run's reader reads this much
// at a time, so a join of k runs holds k of these.
constexpr size_t kIoBytes = 1 << 20;

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

// Reads one run's records in order, through a buffer of its own.
class SegmentRuns::RunReader {
 public:
  RunReader(int fd, const std::string* name, Run run)
      : fd_(fd), name_(name), next_(run.begin), end_(run.end) {}

  // Moves to the next record; false at the end of the run or on an error
  // (status() tells). term() and list() stay valid until the next call.
  bool Next() {
    pos_ += consumed_;
    consumed_ = 0;
    if (pos_ == buf_.size() && next_ == end_) return false;
    if (!Need(kHeaderBytes)) return false;
    uint32_t header[3];
    std::memcpy(header, buf_.data() + pos_, kHeaderBytes);
    df_ = header[1];
    const size_t record = kHeaderBytes + size_t{header[0]} + header[2];
    if (!Need(record)) return false;
    const char* p = buf_.data() + pos_ + kHeaderBytes;
    term_ = std::string_view(p, header[0]);
    list_ = std::string_view(p + header[0], header[2]);
    consumed_ = record;
    return true;
  }
  std::string_view term() const { return term_; }
  uint32_t df() const { return df_; }
  std::string_view list() const { return list_; }
  const Status& status() const { return status_; }

 private:
  // At least `bytes` unread bytes in buf_ from pos_, reading more of the run
  // as needed; false (status_ set) when the run ends first or a read fails.
  bool Need(size_t bytes) {
    if (buf_.size() - pos_ >= bytes) return true;
    buf_.erase(0, pos_);
    pos_ = 0;
    while (buf_.size() < bytes) {
      if (next_ == end_) {
        status_ = Status::Internal(*name_ + ": a run of the import's scratch file ends inside a record");
        return false;
      }
      const size_t have = buf_.size();
      const size_t want = static_cast<size_t>(
          std::min<uint64_t>(std::max(kIoBytes, bytes - have), end_ - next_));
      buf_.resize(have + want);
      ssize_t got = pread(fd_, buf_.data() + have, want, static_cast<off_t>(next_));
      if (got <= 0) {
        status_ = Status::IoError(*name_ + ": reading the import's scratch file: " +
                                  (got < 0 ? ErrnoText() : std::string("unexpected end")));
        return false;
      }
      buf_.resize(have + static_cast<size_t>(got));
      next_ += static_cast<uint64_t>(got);
    }
    return true;
  }

  int fd_;
  const std::string* name_;
  uint64_t next_, end_;  // the part of the run not yet in buf_
  std::string buf_;
  size_t pos_ = 0;       // start of the current record in buf_
  size_t consumed_ = 0;  // its size, skipped by the next Next()
  std::string_view term_, list_;
  uint32_t df_ = 0;
  Status status_;
};

SegmentRuns::SegmentRuns(std::string scratch_dir) : scratch_dir_(std::move(scratch_dir)) {
  if (scratch_dir_.empty()) scratch_dir_ = ".";
}

SegmentRuns::~SegmentRuns() {
  if (fd_ >= 0) close(fd_);
}

Status SegmentRuns::OpenScratch() {
  scratch_name_ = scratch_dir_ + "/(unnamed scratch file)";
  fd_ = open(scratch_dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ >= 0) return Status::Ok();
  // File systems without O_TMPFILE: a random name, unlinked at once.
  std::string path = scratch_dir_ + "/.saiki-import-XXXXXX";
  fd_ = mkostemp(path.data(), O_CLOEXEC);
  if (fd_ < 0) {
    return Status::IoError(scratch_dir_ + ": cannot create the import's scratch file: " +
                           ErrnoText());
  }
  scratch_name_ = path;
  unlink(path.c_str());
  return Status::Ok();
}

Status SegmentRuns::FlushBuffer() {
  const uint64_t at = file_end_ - buffer_.size();
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = pwrite(fd_, buffer_.data() + done, buffer_.size() - done,
                       static_cast<off_t>(at + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status::IoError(scratch_name_ + ": writing the import's scratch file: " +
                             (n < 0 ? ErrnoText() : std::string("nothing written")));
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return Status::Ok();
}

Status SegmentRuns::Append(std::string_view bytes) {
  buffer_.append(bytes);
  file_end_ += bytes.size();
  if (buffer_.size() >= kIoBytes) return FlushBuffer();
  return Status::Ok();
}

Status SegmentRuns::Spill(SegmentBuilder* builder) {
  if (fd_ < 0) SAIKI_RETURN_IF_ERROR(OpenScratch());
  Run run;
  run.begin = file_end_;
  std::vector<DocInfo> docs;
  SAIKI_RETURN_IF_ERROR(builder->Finish(
      [&](std::string_view term, uint32_t df, std::string_view list) {
        const uint32_t header[3] = {static_cast<uint32_t>(term.size()), df,
                                    static_cast<uint32_t>(list.size())};
        SAIKI_RETURN_IF_ERROR(
            Append(std::string_view(reinterpret_cast<const char*>(header), kHeaderBytes)));
        SAIKI_RETURN_IF_ERROR(Append(term));
        return Append(list);
      },
      &docs));
  run.end = file_end_;
  runs_.push_back(run);
  if (docs_.empty()) {
    docs_ = std::move(docs);
  } else {
    docs_.insert(docs_.end(), docs.begin(), docs.end());
  }
  return Status::Ok();
}

Status SegmentRuns::Finish(SegmentBuilder* last, const ListSink& sink,
                           std::vector<DocInfo>* docs) {
  if (runs_.empty()) return last->Finish(sink, docs);
  if (!last->empty()) SAIKI_RETURN_IF_ERROR(Spill(last));
  SAIKI_RETURN_IF_ERROR(FlushBuffer());

  std::vector<RunReader> readers;
  readers.reserve(runs_.size());
  std::vector<size_t> live;  // readers with a current record, in run order
  for (const Run& run : runs_) {
    readers.emplace_back(fd_, &scratch_name_, run);
    if (readers.back().Next()) {
      live.push_back(readers.size() - 1);
    } else {
      SAIKI_RETURN_IF_ERROR(readers.back().status());
    }
  }
  std::vector<size_t> with_term;  // the live readers at the smallest term
  std::vector<PostingList> lists;
  std::vector<const PostingList*> ptrs;
  while (!live.empty()) {
    // A linear scan: a join has a few dozen runs at most (one per 256 MiB
    // of builder memory), and most terms are in most runs.
    std::string_view term = readers[live[0]].term();
    for (size_t r : live) term = std::min(term, readers[r].term());
    with_term.clear();
    for (size_t r : live) {
      if (readers[r].term() == term) with_term.push_back(r);
    }
    if (with_term.size() == 1) {
      const RunReader& only = readers[with_term[0]];
      SAIKI_RETURN_IF_ERROR(sink(term, only.df(), only.list()));
    } else {
      // Runs are in docid order, so their lists join block by block.
      uint64_t df = 0;
      lists.clear();
      ptrs.clear();
      for (size_t r : with_term) {
        df += readers[r].df();
        auto list = PostingList::Parse(std::string(readers[r].list()));
        if (!list.ok()) {
          return list.status().WithContext(scratch_name_ + ": the import's list of '" +
                                           std::string(term) + "'");
        }
        lists.push_back(std::move(list).value());
      }
      for (const PostingList& l : lists) ptrs.push_back(&l);
      auto joined = ConcatPostingLists(ptrs);
      if (!joined.ok()) {
        return joined.status().WithContext(scratch_name_ + ": joining the import's lists of '" +
                                           std::string(term) + "'");
      }
      SAIKI_RETURN_IF_ERROR(sink(term, static_cast<uint32_t>(df), *joined));
    }
    // Advance the readers that were at `term` (their views die here).
    for (size_t r : with_term) {
      if (!readers[r].Next()) {
        SAIKI_RETURN_IF_ERROR(readers[r].status());
        live.erase(std::find(live.begin(), live.end(), r));
      }
    }
  }
  *docs = std::move(docs_);
  docs_.clear();
  runs_.clear();
  // The file is reused from its start by a later Spill.
  if (ftruncate(fd_, 0) != 0) {
    return Status::IoError(scratch_name_ + ": truncating the import's scratch file: " +
                           ErrnoText());
  }
  file_end_ = 0;
  return Status::Ok();
}

}  // namespace saiki::index
