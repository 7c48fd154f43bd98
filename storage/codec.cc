#include "storage/codec.h"

namespace evchain::storage {

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutFixed64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

bool Reader::Varint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in_.empty(); shift += 7) {
    uint64_t byte = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    if (shift == 63 && byte > 1) return false;  // overflows 64 bits
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      // One encoding per value: a final 0x00 after a continuation byte is an overlong form
      // (found by fuzz/fuzz_records.cc: 0xff 0x00 decoded as 127, like 0x7f).
      if (byte == 0 && shift > 0) return false;
      *v = result;
      return true;
    }
  }
  return false;
}

bool Reader::Fixed64(uint64_t* v) {
  if (in_.size() < 8) return false;
  *v = GetU64BE(reinterpret_cast<const uint8_t*>(in_.data()));
  in_.remove_prefix(8);
  return true;
}

bool Reader::Byte(uint8_t* v) {
  if (in_.empty()) return false;
  *v = static_cast<uint8_t>(in_.front());
  in_.remove_prefix(1);
  return true;
}

bool Reader::Raw(size_t n, std::string_view* out) {
  if (in_.size() < n) return false;
  *out = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

bool Reader::LengthPrefixed(std::string_view* out) {
  uint64_t n = 0;
  return Varint(&n) && n <= in_.size() && Raw(static_cast<size_t>(n), out);
}

}  // namespace evchain::storage
