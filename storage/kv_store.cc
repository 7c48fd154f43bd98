#include "storage/kv_store.h"

namespace evchain::storage {

void WriteBatch::Put(std::string_view key, std::string_view value) {
  rep_.push_back(kPutTag);
  AppendLengthPrefixed(key);
  AppendLengthPrefixed(value);
  ++count_;
}

void WriteBatch::Delete(std::string_view key) {
  rep_.push_back(kDeleteTag);
  AppendLengthPrefixed(key);
  ++count_;
}

// Lengths are LEB128 varints: one byte for keys and index values, two for entry records.
void WriteBatch::AppendLengthPrefixed(std::string_view s) {
  uint64_t n = s.size();
  while (n >= 0x80) {
    rep_.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  rep_.push_back(static_cast<char>(n));
  rep_.append(s);
}

std::string_view WriteBatch::TakeLengthPrefixed(std::string_view& in) {
  uint64_t n = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    n |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  const std::string_view out = in.substr(0, n);
  in.remove_prefix(n);
  return out;
}

}  // namespace evchain::storage
