// Shared by the fuzz targets: an invariant check that crashes (so libFuzzer keeps the input) and
// the fixed example network of docs/formats.md (tests/ledger/example_chain.h): four validators
// and one depositor whose keys come from published test seeds, so every target and the corpus
// generator (make_corpus.cc) see the same genesis and keys.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tests/ledger/example_chain.h"

namespace evchain::fuzz {

// A broken invariant is a finding: print it and abort, which libFuzzer reports as a crash.
[[noreturn]] inline void Fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
  std::abort();
}
#define FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::evchain::fuzz::Fail(__FILE__, __LINE__, #cond))

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The example genesis and the validators' keys (index = replica number), built once.
inline const genesis::Genesis& Genesis() {
  static const genesis::Genesis* g = new genesis::Genesis(ledger::testing::ExampleGenesis());
  return *g;
}
inline const std::vector<crypto::SecretKey>& ValidatorKeys() {
  static const auto* keys =
      new std::vector<crypto::SecretKey>(ledger::testing::ExampleValidatorKeys());
  return *keys;
}
// demo-platform's key (test seed 0x11).
inline const crypto::SecretKey& DepositorKey() {
  static const auto* key = new crypto::SecretKey(ledger::testing::KeyFromByte(0x11));
  return *key;
}

}  // namespace evchain::fuzz
