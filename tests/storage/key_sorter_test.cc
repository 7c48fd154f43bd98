// The external sort of index keys (storage/key_sorter.h), used by the audit and the snapshot
// load: every key comes back once, in bytewise order, across many runs, and its temporary files
// are gone.
#include "storage/key_sorter.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <vector>

#include "tests/storage/backends.h"

namespace evchain::storage {
namespace {

TEST_CASE("keys come back sorted across runs, duplicates kept, temporary files unlinked") {
  testing::TempDir dir;
  std::mt19937_64 rng(7);
  std::vector<KeySorter::Key> keys;
  for (int i = 0; i < 1000; ++i) {
    KeySorter::Key k;
    for (auto& c : k) c = static_cast<char>(rng() % 4);  // small alphabet: many equal prefixes
    keys.push_back(k);
  }
  keys.push_back(keys[10]);  // a duplicate
  KeySorter sorter(dir.path(), 37);
  for (const auto& k : keys) REQUIRE(sorter.Add(k).ok());
  REQUIRE(sorter.Finish().ok());
  CHECK(sorter.runs() == (keys.size() + 36) / 37);
  CHECK(std::filesystem::is_empty(dir.path()));
  std::vector<KeySorter::Key> out;
  KeySorter::Key k;
  while (sorter.Next(&k)) out.push_back(k);
  CHECK(sorter.status().ok());
  std::sort(keys.begin(), keys.end());
  CHECK(out == keys);
}

TEST_CASE("an unwritable directory is an io error, not a crash") {
  KeySorter sorter("/nonexistent-evchain-dir", 2);
  KeySorter::Key k{};
  CHECK(sorter.Add(k).ok());
  CHECK(sorter.Add(k).code() == "io");
  CHECK(sorter.Finish().code() == "io");
  CHECK_FALSE(sorter.Next(&k));
}

}  // namespace
}  // namespace evchain::storage
