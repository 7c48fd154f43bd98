// storage/index_filter.h: never a false "absent", about 1 % false "maybe", across growth, and
// concurrent readers while the writer adds.
#include "storage/index_filter.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>

#include "crypto/sha256.h"

namespace evchain::storage {
namespace {

Hash32 H(uint64_t i) { return crypto::Sha256("key " + std::to_string(i)); }
std::string_view Prefix(const Hash32& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), 8);
}

TEST_CASE("every key added is reported, absent ones rarely, whatever the growth") {
  IndexFilter filter(1000);  // grows through several segments below
  constexpr uint64_t kKeys = 200'000;
  for (uint64_t i = 0; i < kKeys; ++i) filter.Add('i', Prefix(H(i)));
  for (uint64_t i = 0; i < kKeys; ++i) REQUIRE(filter.MayContain('i', H(i)));
  uint64_t false_positives = 0;
  for (uint64_t i = kKeys; i < 2 * kKeys; ++i) false_positives += filter.MayContain('i', H(i));
  MESSAGE("false positives: ", false_positives, " of ", kKeys, "; ", filter.bytes(), " bytes");
  CHECK(false_positives < kKeys / 25);  // < 4 % (segments add up their rates)
  CHECK(filter.keys() == kKeys);
  // The kind is part of the key: an evidence id is not a nonce hash.
  uint64_t cross = 0;
  for (uint64_t i = 0; i < kKeys; ++i) cross += filter.MayContain('n', H(i));
  CHECK(cross < kKeys / 25);
}

TEST_CASE("readers see every key added before they look, while the writer goes on") {
  IndexFilter filter(1 << 10);
  std::atomic<uint64_t> published{0};
  std::atomic<bool> missed{false};
  std::thread reader([&] {
    while (published.load(std::memory_order_acquire) < 50'000) {
      const uint64_t upto = published.load(std::memory_order_acquire);
      for (uint64_t i = upto > 64 ? upto - 64 : 0; i < upto; ++i) {
        if (!filter.MayContain('n', H(i))) missed = true;
      }
    }
  });
  for (uint64_t i = 0; i < 50'000; ++i) {
    filter.Add('n', Prefix(H(i)));
    published.store(i + 1, std::memory_order_release);  // as EvidenceLog publishes a block
  }
  reader.join();
  CHECK_FALSE(missed.load());
}

}  // namespace
}  // namespace evchain::storage
