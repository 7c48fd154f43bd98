// What `backup restore --replace` and `snapshot restore --replace` carry over from the data
// directory they move aside: the deposits the node acknowledged (202) and had not committed,
// which live only in its pending journal (node/pending_journal.h). Restoring an older copy over
// the directory lost them until 2026-12-07. The node checks each carried record again at start
// (Admission::Resume: a committed one leaves the journal, the rest are proposed).
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"
#include "storage/kv_store.h"

namespace evchain::cli {

// Adds the pending-journal records of the data directory `old_dir` to `batch`. Returns how many,
// or the error that kept `old_dir` from being read (a damaged directory, often the reason for
// the restore: the caller warns and goes on).
Result<size_t> CarryPendingDeposits(const std::string& old_dir, storage::WriteBatch* batch);

// The warning for a directory whose journal could not be read.
std::string CarryFailedText(const std::string& old_dir, const Status& status);

}  // namespace evchain::cli
