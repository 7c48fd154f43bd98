// Byte containers and big-endian helpers shared by every module.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace evchain {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;
using Hash32 = std::array<uint8_t, 32>;

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline void PutU64BE(Bytes& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void PutU32BE(Bytes& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void PutU16BE(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
// REQUIRES: p points at >= 8 readable bytes.
inline uint64_t GetU64BE(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}
inline uint32_t GetU32BE(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline void Append(Bytes& out, ByteView b) { out.insert(out.end(), b.begin(), b.end()); }
inline void Append(Bytes& out, std::string_view s) { Append(out, AsBytes(s)); }

}  // namespace evchain
