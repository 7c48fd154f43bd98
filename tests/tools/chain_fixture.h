// An offline chain on LevelDB for the audit and verify tests: 6 blocks mixing single deposits,
// a batch and an empty block, cosigned by 3 of 4 validators.
#pragma once

#include <string>
#include <vector>

#include "common/bytes.h"
#include "tests/tools/cli_test_util.h"

namespace evchain::cli::testing {

struct ChainFixture {
  std::string genesis_path;           // dir/genesis.json
  std::string data_dir;               // dir/data
  std::vector<uint64_t> first_index;  // first_index[h] for heights 1..6 (index 0 unused)
  std::vector<std::string> files;     // evidence file paths, one per entry, in log order
};

// The contents of evidence file i; its SHA-256 is the digest of log entry i.
std::string EvidenceContent(uint64_t i);
ChainFixture MakeChain(const TempDir& dir);

// Copies a data directory (the copy is what tests tamper with).
std::string CopyDataDir(const std::string& from, const TempDir& dir, const std::string& name);

}  // namespace evchain::cli::testing
