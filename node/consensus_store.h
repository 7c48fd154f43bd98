// Durable records of the PBFT replica, kept in the evidence log's LevelDB under the node-owned
// prefix "m" as "mc/<replica key>" (docs/storage-format.md, docs/node.md "Persistence").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "consensus/replica.h"
#include "storage/kv_store.h"

namespace evchain::node {

// Applies one Ready's persist ops atomically and synced. A failure must stop the replica.
Status PersistConsensus(storage::KvStore& store, const std::vector<consensus::PersistOp>& ops);
// Every record previously persisted, by replica key.
Result<std::map<std::string, std::string>> LoadConsensusRecords(const storage::KvStore& store);

}  // namespace evchain::node
