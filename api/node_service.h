// What the HTTP handlers need from a running validator. node/ implements it; api tests use a
// fake. Handlers validate requests themselves (pure functions of the request, the genesis and
// this interface) and only hand well-formed, signature-checked entries to Submit.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "ledger/block.h"
#include "storage/evidence_log.h"

namespace evchain::api {

struct NodeStatusInfo {
  std::string validator_id;
  std::string role;
  uint64_t view = 0;
  std::string primary_id;
  uint64_t height = 0;
  uint64_t log_size = 0;
  size_t pending = 0;          // deposits accepted but not yet committed
  size_t peers_connected = 0;  // of n-1
  UnixMillis last_block_time = 0;
};

class NodeService {
 public:
  virtual ~NodeService() = default;
  // Called exactly once with Submit's outcome, on any thread (possibly before Submit returns);
  // it must not block.
  // Qualified: the member Status() below would otherwise change the meaning of `Status` here.
  using SubmitDone = std::function<void(evchain::Status)>;
  // Admits signature-checked entries into the pending pool (and forwards them towards the
  // primary); `done(Ok)` once they are durable, so a deposit acknowledged after it is never
  // lost. Entries already committed or already pending are accepted again idempotently.
  // Errors: "nonce_conflict" (same depositor+nonce, different statement, pending or
  // committed; the message names the nonce as `nonce '<nonce>'`, which the batch route reads
  // to name the item), "overloaded" (pool full; retry later), "unavailable" (an earlier copy could
  // not be recorded; send again). Nothing is admitted on error. REQUIRES: facts[i] is
  // ledger::FactsOfEntry(entries[i]), from the handler's own parse and hash of the statement:
  // the node does neither again.
  virtual void Submit(std::vector<ledger::Entry> entries, std::vector<ledger::EntryFacts> facts,
                      SubmitDone done) = 0;
  virtual bool IsPending(const Hash32& evidence_id) const = 0;
  // True while Submit would refuse `incoming` new deposits as "overloaded". The deposit routes
  // ask for one before they read a body (the batch route only for a body too small to hold a
  // batch it must refuse as too large), and the batch route again for its item count before it
  // parses the items or checks the signature: a refused burst costs the node next to nothing
  // (load is shed at admission, not after the work). Thread-safe, cheap.
  virtual bool Overloaded(size_t incoming) const {
    (void)incoming;
    return false;
  }
  // The most deposits Submit ever holds at once (the config's max_pending): a batch of more is
  // refused for good, not "retry shortly".
  virtual size_t MaxPending() const { return std::numeric_limits<size_t>::max(); }
  // Calls `listener` with the evidence ids of every block right after the block is stored, on
  // the committing thread: it must return quickly and never block (the HTTP server completes
  // parked ?wait=commit requests from it). One listener; a later call replaces it, an empty
  // function removes it. Thread-safe.
  virtual void SetCommitListener(std::function<void(const std::vector<Hash32>&)> listener) = 0;
  virtual NodeStatusInfo Status() const = 0;
  // Committed state; safe for concurrent readers.
  virtual const storage::EvidenceLog& Log() const = 0;
};

}  // namespace evchain::api
