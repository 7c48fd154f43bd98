#include "tools/cli/file_hash.h"

#include <cstdio>
#include <memory>
#include <vector>

#include "crypto/sha256.h"

namespace evchain::cli {

Result<Hash32> HashFile(const std::string& path, Progress* progress) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return Status::Error("io", "cannot open " + path);
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
  if (std::ferror(file.get())) return Status::Error("io", "cannot read " + path);
  return stream.Finish();
}

}  // namespace evchain::cli
