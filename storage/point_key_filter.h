// The index store's LevelDB filter policy: a Bloom filter over the keys read with point lookups
// (Get), leaving out the index keys (`d`, `i`, `n`). Index keys are only ever read by prefix
// scans (an iterator's Seek), and LevelDB consults filters in Get alone, so their share of a
// plain Bloom filter (10 bits per key, three keys per entry: about 190 MB of every open table's
// filter blocks at 50M entries, all of it resident) bought nothing. docs/storage-format.md
// "LevelDB options".
#pragma once

#include <leveldb/filter_policy.h>

#include <memory>

namespace evchain::storage {

// Keys whose first byte is an index prefix never enter a filter, and a filter never rules one
// out (KeyMayMatch answers true), so a Get of an index key stays correct, only unfiltered. The
// other keys get LevelDB's Bloom filter of `bits_per_key`. Tables written under another policy
// (an older node's plain Bloom filter) keep their filter blocks, which LevelDB then ignores: the
// name differs.
std::unique_ptr<const leveldb::FilterPolicy> NewPointKeyFilterPolicy(int bits_per_key);

}  // namespace evchain::storage
