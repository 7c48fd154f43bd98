// Internal to storage/snapshot_*.cc: the snapshot header's encoding and a buffered reader of
// the file's frames (docs/snapshots.md "Format"). Reads never trust the file: a frame longer
// than its limit, a malformed varint or an early end is "bad_snapshot" naming what was read.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/snapshot.h"

namespace evchain::storage {

// Limits on one frame: far above what a valid chain holds, small enough that a corrupt length
// cannot make the reader allocate much.
inline constexpr size_t kMaxHeaderBytes = 64 << 10;
inline constexpr size_t kMaxCertificateBytes = 1 << 20;
inline constexpr size_t kMaxEntryRecordBytes = 4 << 20;

std::string EncodeSnapshotHeader(const SnapshotInfo& info);

class SnapshotReader {
 public:
  explicit SnapshotReader(std::FILE* in) : in_(in), buf_(1 << 20) {}

  // Magic, version, creation time, tip header and certificate. The tip is only decoded, not
  // verified.
  Result<SnapshotInfo> Header();
  // One length-prefixed frame of at most `max` bytes. The view is valid until the next call.
  Result<std::string_view> Frame(size_t max, std::string_view what);
  // Ok iff the end mark follows and nothing after it.
  Status End();
  // Bytes consumed so far.
  uint64_t offset() const { return offset_; }

 private:
  // Makes `n` bytes available at buf_[pos_]; false at the end of the file (or an error).
  bool Fill(size_t n);
  Result<std::string_view> Take(size_t n, std::string_view what);
  Status Truncated(std::string_view what) const;

  std::FILE* in_;
  std::vector<char> buf_;
  size_t pos_ = 0;  // next unread byte in buf_
  size_t end_ = 0;  // bytes of buf_ filled
  uint64_t offset_ = 0;
  bool read_error_ = false;
};

}  // namespace evchain::storage
