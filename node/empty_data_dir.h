// A validator started on an empty data directory (docs/operations.md "An empty data
// directory"): a new validator's, or that of one that voted and lost its data, which must not
// vote again on what it voted on. The index store's record Meta("empty_data_dir") remembers the
// check across restarts:
//   "checking"      from the first start until the replica has caught up with f+1 others and
//                   found no cosignature of its own in the chain (kEmptyDataDirChecked: deleted);
//   "voted_before"  once it found one (kOwnVotesFound), or when a start finds blocks under
//                   "checking" (a crash during the check: the certificates of those blocks were
//                   looked at by a replica that is gone). The validator then starts as one
//                   restored from a backup of nothing, until it knows its bounds
//                   (kRestoredBoundsKnown: deleted).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "storage/kv_store.h"

namespace evchain::node {

enum class EmptyDataDir {
  kNo,           // a data directory this validator has used, or a restored copy
  kChecking,     // consensus::RestoredState::empty_data_dir
  kVotedBefore,  // consensus::RestoredState::from_backup, with nothing restored
};

// What the data directory open in `store` is. `nothing_yet`: it holds no chain, no consensus
// records, no owner record and no restore marker (the caller knows); then the record is
// written ("checking", synced) before the replica may send anything. `height`: its chain's.
Result<EmptyDataDir> CheckEmptyDataDir(storage::KvStore& store, bool nothing_yet, uint64_t height);

// kOwnVotesFound: the record becomes "voted_before" (synced).
Status RecordVotedBefore(storage::KvStore& store);

// kEmptyDataDirChecked, kRestoredBoundsKnown: the record goes (synced).
Status ClearEmptyDataDirRecord(storage::KvStore& store);

}  // namespace evchain::node
