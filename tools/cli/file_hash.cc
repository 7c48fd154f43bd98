#include "tools/cli/file_hash.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "crypto/sha256.h"

namespace evchain::cli {

Status CheckRegularFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return Status::Error("io", "cannot read " + path + ": " +
                                   (errno == ENOENT ? std::string("no such file")
                                                    : std::string(std::strerror(errno))));
  }
  if (S_ISDIR(st.st_mode)) return Status::Error("io", "cannot read " + path + ": is a directory");
  if (!S_ISREG(st.st_mode)) {
    return Status::Error("io", "cannot read " + path + ": not a regular file");
  }
  return Status::Ok();
}

Result<Hash32> HashFile(const std::string& path, Progress* progress) {
  // A directory opens and fails only at the first read, and a FIFO's open waits for a writer
  // that may never come: both refused by name before the open.
  EVCHAIN_RETURN_IF_ERROR(CheckRegularFile(path));
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    return Status::Error("io", "cannot open " + path + ": " + std::string(std::strerror(errno)));
  }
  constexpr size_t kBuffer = 1 << 20;
  std::vector<uint8_t> buffer(kBuffer);
  crypto::Sha256Stream stream;
  while (true) {
    const size_t n = std::fread(buffer.data(), 1, kBuffer, file.get());
    if (n > 0) {
      stream.Update(ByteView(buffer.data(), n));
      if (progress != nullptr) progress->Add(n);
    }
    if (n < kBuffer) break;
  }
  if (std::ferror(file.get())) {
    return Status::Error("io", "cannot read " + path + ": " + std::string(std::strerror(errno)));
  }
  return stream.Finish();
}

}  // namespace evchain::cli
