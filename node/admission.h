// Admission of client deposits at one validator: the path from the API's Submit to the
// replica's Propose (docs/node.md "Pending deposits").
//
// It sheds load before any write ("overloaded" once the replica's pool, which also holds the
// deposits peers forwarded, or this node's own pending set reaches max_pending), refuses a nonce
// held by another pending or committed statement ("nonce_conflict"), and records what it accepts
// in the pending journal (the validator's one durable pool of pending deposits) before the caller
// acknowledges anything. Journal writes are group commits: admissions that arrive while one
// synced write is in progress wait, holding no thread, and go together in the next, so a burst
// from many connections costs one fdatasync per round rather than one per request. The fresh
// deposits then wait in a queue that the host drains on its consensus strand, so deposits
// admitted by many HTTP workers at once reach the replica together (one Ready, one synced write).
// A deposit leaves when it commits or is refused (Settle).
//
// Thread-safe: HTTP workers admit while the consensus strand takes the queue and settles.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "consensus/replica.h"
#include "genesis/genesis.h"
#include "ledger/block.h"
#include "node/deposit_pool.h"
#include "node/pending_journal.h"

namespace evchain::node {

class Admission {
 public:
  // What admission needs from the rest of the validator.
  class Host {
   public:
    virtual ~Host() = default;
    // Deposits the replica holds not yet committed, forwarded ones included.
    virtual size_t ReplicaPending() const = 0;
    virtual bool Committed(const Hash32& evidence_id) const = 0;
    // The committed statement holding (depositor, nonce), if any. An error (the index cannot
    // be read) refuses the admission as "unavailable": a nonce not known to be free is not
    // acknowledged.
    virtual Result<std::optional<Hash32>> CommittedNonceOwner(const std::string& depositor,
                                                              const std::string& nonce) const = 0;
    // `entry`'s signature was checked before admission: copies of it that peers send back need
    // no second check, nor a second parse (node/verified_deposits.h). `facts` are
    // ledger::FactsOfEntry of it (statement_hash: SHA-256 of its statement).
    virtual void Verified(const ledger::Entry& entry, const ledger::EntryFacts& facts) = 0;
    // The queue went from empty to not empty: call TakeQueued on the consensus strand.
    virtual void QueueReady() = 0;
    // The journal's store failed a write (a full disk, an I/O error): it takes no more
    // (storage/kv_store.h), so no deposit can be acknowledged until the validator is started
    // again. The validator stops, as when a block cannot be stored (docs/operations.md).
    virtual void JournalFailed(const Status& status) = 0;
  };

  // `host` and `journal` outlive the admission.
  Admission(Host* host, PendingJournal* journal, size_t max_pending);

  // Called exactly once with Admit's outcome, on the admitting thread or on the thread that
  // completed the journal write; it must not block.
  using Done = std::function<void(Status)>;

  // REQUIRES: every entry's statement is canonical and its signature checked. `done(Ok)` once
  // the fresh deposits are durable in the journal; a copy of a deposit another call is still
  // journalling waits for that write (an acknowledged deposit is a durable one). Errors:
  // "overloaded" (also once stopped), "nonce_conflict", the journal's write errors (nothing is
  // then admitted), "unavailable" (the other call's write failed: send it again). The calling
  // thread may do the journal write for itself and for the admissions queued meanwhile.
  void Admit(const std::vector<ledger::Entry>& entries, Done done);
  // The same with the facts of each entry's statement (ledger::FactsOfEntry, from the HTTP
  // handler's parse and hash): the statements are not scanned and hashed again.
  void Admit(const std::vector<ledger::Entry>& entries,
             const std::vector<ledger::EntryFacts>& facts, Done done);
  // Admit, waiting for `done`; without `journal` (deposits loaded from the journal at start)
  // nothing is written.
  Status AdmitAndWait(const std::vector<ledger::Entry>& entries, bool journal);
  // The deposits admitted since the last call, in admission order, with the evidence id and
  // nonce admission found in each (consensus strand).
  std::vector<consensus::ClientDeposit> TakeQueued();
  // The deposits are no longer pending: committed (their block is appended) or refused by
  // consensus. Returns the seconds each pending one waited since its admission.
  std::vector<double> Settle(const std::vector<Hash32>& evidence_ids);
  // At start: admits the journal's deposits again (acknowledged before a restart), one at a
  // time, so one refused now (its nonce committed meanwhile) does not hold back the others.
  // Returns how many were admitted; `*dropped` counts the others: damaged records (deleted),
  // deposits refused for good (their nonce is another statement's: deleted), and those that
  // cannot be admitted now (over max_pending, a nonce index that cannot be read: kept for a
  // later start, since an acknowledged deposit leaves the journal only once it is settled).
  Result<size_t> Resume(const genesis::Genesis& genesis, size_t* dropped);
  // Refuses every deposit from now on (shutting down).
  void Stop() { stopping_ = true; }

  // Whether `incoming` fresh deposits would now be refused as "overloaded" (Prepare's rules).
  // The caller refuses its request when true: that counts as a refusal (overload_refusals).
  bool Overloaded(size_t incoming) const;
  size_t max_pending() const { return max_pending_; }
  // Deposit requests refused as "overloaded" since start, shutdown aside: by Admit, and by each
  // Overloaded that answered true (the API refuses the request it asked for). For the operator's
  // log and /metrics (node/overload_log.h).
  uint64_t overload_refusals() const { return overload_refusals_.load(); }
  bool IsPending(const Hash32& evidence_id) const { return pool_.IsPending(evidence_id); }
  size_t pending() const { return pool_.size(); }

 private:
  // An admission whose fresh deposits are to be journalled, or that waits for an earlier one's.
  struct JournalRequest {
    std::vector<ledger::Entry> fresh;
    std::vector<ledger::EntryFacts> facts;  // fresh[i]'s, in the same order
    std::vector<Hash32> settled;            // committed already: settled once acknowledged
    std::vector<Hash32> earlier_copies;     // pending from another admission, not yet durable
    Done done;
  };

  // Whether the replica's pool (forwarded deposits included) cannot take `incoming` more.
  bool ReplicaFull(size_t incoming) const;

  // Admission's checks and the pool's admission, before any write.
  Result<JournalRequest> Prepare(const std::vector<ledger::Entry>& entries,
                                 const std::vector<ledger::EntryFacts>* facts);
  // Admit's second half: `done(error)` now, or the request journalled (Journal).
  void JournalPrepared(Result<JournalRequest> request, Done done);
  // Queues `request`; the caller becomes the writer if none is writing.
  void Journal(JournalRequest request);
  // The writer's loop: one synced write per round for everything queued, until none is left.
  void WriteRounds();
  // The round's synced write; an exception becomes an error status. `*store_failed`: the store
  // refused the write (and takes no more), as opposed to a failure before it.
  Status WriteJournal(const std::vector<ledger::Entry>& fresh, const std::vector<Hash32>& fresh_ids,
                      bool* store_failed);
  // After a successful write: acknowledges `request` or, while an earlier copy of one of its
  // deposits is not yet decided, keeps it in awaiting_copies_ (under journal_mu_).
  void Acknowledge(JournalRequest request);
  // Acknowledges the admissions in awaiting_copies_ whose earlier copies are now decided.
  void RecheckAwaiting();
  // Hands fresh, durable deposits to the consensus strand.
  // REQUIRES: facts[i] is fresh[i]'s (the consensus strand then neither parses nor hashes the
  // statements: consensus::ClientDeposit).
  void Enqueue(std::vector<ledger::Entry> fresh, std::vector<ledger::EntryFacts> facts);

  Host* host_;
  PendingJournal* journal_;
  const size_t max_pending_;
  DepositPool pool_;
  std::atomic<bool> stopping_{false};
  mutable std::atomic<uint64_t> overload_refusals_{0};
  std::mutex queue_mu_;
  std::vector<consensus::ClientDeposit> queue_;  // admitted, not yet taken (guarded by queue_mu_)
  std::mutex journal_mu_;
  std::vector<JournalRequest> journal_queue_;    // guarded by journal_mu_
  bool writing_ = false;                         // a thread runs WriteRounds (journal_mu_)
  std::vector<JournalRequest> awaiting_copies_;  // guarded by journal_mu_
};

}  // namespace evchain::node
