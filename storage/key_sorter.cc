#include "storage/key_sorter.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace evchain::storage {
namespace {

constexpr size_t kReadBufferBytes = 64 << 10;

bool Less(const KeySorter::Key& a, const KeySorter::Key& b) {
  return std::memcmp(a.data(), b.data(), a.size()) < 0;
}

}  // namespace

// One sorted run in an unlinked temporary file: it disappears when closed, even after a crash.
// Written with one write(2) of the sorted buffer, read back through a small stdio buffer.
struct KeySorter::Run {
  int fd = -1;
  std::FILE* file = nullptr;  // set by Finish
  std::vector<char> buffer;   // setvbuf's buffer, alive as long as the file
  ~Run() {
    if (file != nullptr) {
      std::fclose(file);
    } else if (fd >= 0) {
      ::close(fd);
    }
  }
};

bool KeySorter::Head::operator>(const Head& o) const {
  const int c = std::memcmp(key.data(), o.key.data(), key.size());
  return c != 0 ? c > 0 : run > o.run;
}

std::string SortDirectory(const std::string& requested) {
  if (!requested.empty()) return requested;
  std::error_code ec;
  std::string dir = std::filesystem::temp_directory_path(ec).string();
  return dir.empty() ? "/tmp" : dir;
}

KeySorter::KeySorter(std::string dir, size_t run_keys)
    : dir_(std::move(dir)), run_keys_(std::max<size_t>(1, run_keys)) {}

KeySorter::~KeySorter() = default;

Status KeySorter::Add(const Key& key) {
  if (!status_.ok()) return status_;
  if (buffer_.empty()) buffer_.reserve(run_keys_);
  buffer_.push_back(key);
  ++added_;
  if (buffer_.size() >= run_keys_) status_ = Spill();
  return status_;
}

Status KeySorter::Spill() {
  std::sort(buffer_.begin(), buffer_.end(), Less);
  std::string path = dir_ + "/evchain-sort-XXXXXX";
  auto run = std::make_unique<Run>();
  run->fd = ::mkstemp(path.data());
  if (run->fd < 0) {
    return Status::Error("io",
                         "cannot create a temporary file in " + dir_ + ": " + std::strerror(errno));
  }
  ::unlink(path.c_str());
  const char* p = reinterpret_cast<const char*>(buffer_.data());
  size_t left = buffer_.size() * kKeyBytes;
  while (left > 0) {
    const ssize_t w = ::write(run->fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      return Status::Error("io", "cannot write a temporary file in " + dir_ + ": " +
                                     std::strerror(errno) + " (the sort needs " +
                                     std::to_string(kKeyBytes) + " bytes per key there)");
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
  runs_.push_back(std::move(run));
  buffer_.clear();
  return Status::Ok();
}

Status KeySorter::Finish() {
  if (!status_.ok()) return status_;
  finished_ = true;
  if (!buffer_.empty()) {
    status_ = Spill();
    if (!status_.ok()) return status_;
  }
  std::vector<Key>().swap(buffer_);  // give the run buffer back before merging
  for (size_t i = 0; i < runs_.size(); ++i) {
    Run& run = *runs_[i];
    if (::lseek(run.fd, 0, SEEK_SET) != 0 || (run.file = ::fdopen(run.fd, "rb")) == nullptr) {
      return status_ = Status::Error("io", "cannot read back a temporary file");
    }
    run.buffer.resize(kReadBufferBytes);
    std::setvbuf(run.file, run.buffer.data(), _IOFBF, run.buffer.size());
    if (!Refill(i) && !status_.ok()) return status_;
  }
  return status_;
}

bool KeySorter::Refill(size_t run) {
  Head head;
  head.run = run;
  if (std::fread(head.key.data(), kKeyBytes, 1, runs_[run]->file) == 1) {
    heap_.push(head);
    return true;
  }
  if (std::ferror(runs_[run]->file)) status_ = Status::Error("io", "cannot read a temporary file");
  return false;
}

bool KeySorter::Next(Key* key) {
  if (!finished_ || heap_.empty() || !status_.ok()) return false;
  const Head head = heap_.top();
  heap_.pop();
  *key = head.key;
  Refill(head.run);
  return status_.ok();
}

}  // namespace evchain::storage
