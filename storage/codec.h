// Byte-level encoding helpers for stored records (docs/storage-format.md "Encodings"): LEB128
// varints, big-endian fixed-width integers (so keys sort numerically), and a bounds-checked
// reader that reports truncated or malformed records instead of trusting stored bytes.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace evchain::storage {

void PutVarint(std::string& out, uint64_t v);
void PutFixed64(std::string& out, uint64_t v);
inline void PutRaw(std::string& out, ByteView b) { out.append(AsChars(b)); }

// Reads a record front to back. Every method returns false (and consumes nothing useful) when the
// input is too short or malformed; callers turn that into a "corruption" Status.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Varint(uint64_t* v);
  bool Fixed64(uint64_t* v);
  bool Byte(uint8_t* v);
  bool Raw(size_t n, std::string_view* out);
  template <size_t N>
  bool Array(std::array<uint8_t, N>* out) {
    std::string_view s;
    if (!Raw(N, &s)) return false;
    std::copy(s.begin(), s.end(), out->begin());
    return true;
  }
  // A varint length followed by that many bytes.
  bool LengthPrefixed(std::string_view* out);
  bool empty() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

}  // namespace evchain::storage
