// What a host remembers between signature checks of deposits, so that each deposit is verified
// at most once per validator: a client's deposit is checked at admission, then arrives again in
// peers' FORWARDs, in the primary's PRE-PREPARE and in retransmissions of both. One Ed25519
// verification (~45 us) costs more than everything else the host does with a deposit.
//
// The interface lives here because VerifyContents (message.h) consults it; the node implements
// it (node/verified_deposits.h), thread-safe, shared by all its verifier threads.
#pragma once

#include <optional>

#include "common/bytes.h"
#include "ledger/block.h"

namespace evchain::consensus {

class DepositCheckCache {
 public:
  virtual ~DepositCheckCache() = default;
  // True iff the entry with this DepositCheckKey passed VerifyDeposit on this host: skip it.
  // `*facts` (when `facts` is not null) then receives what that check read of the statement
  // (ledger::FactsOfEntry), or nullopt if it was not kept: a deposit met again (a PRE-PREPARE
  // after its FORWARD, or after its client's admission) is neither verified nor parsed again.
  // False: the caller verifies it now and must then call Finish. A caller asking for a key
  // another thread is verifying waits for that verification instead of repeating it.
  virtual bool Begin(const Hash32& key, std::optional<ledger::EntryFacts>* facts) = 0;
  // `facts`: the verified entry's facts, kept with its key; null when the caller has none.
  // REQUIRES: `*facts` is ledger::FactsOfEntry of the entry whose key this is.
  virtual void Finish(const Hash32& key, bool ok, const ledger::EntryFacts* facts) = 0;
  // True iff no key is held (none verified yet, or all evicted): Begin would answer false for
  // every key, so a caller with many entries may skip computing keys, verify them itself and
  // report them with CountVerified (VerifyDeposits does, for a replica catching up from a restart).
  virtual bool Empty() = 0;
  virtual void CountVerified(size_t entries) = 0;
  // True iff the deposit with this evidence id is committed on this host. The replica ignores a
  // committed deposit in a FORWARD unseen, so a replayed old FORWARD costs no signature check.
  virtual bool Committed(const Hash32& evidence_id) = 0;
};

// SHA-256 over everything VerifyDeposit reads of an entry, each part length-prefixed: the
// statement's SHA-256 (its evidence id), the signature and, for a batch item, the batch statement,
// item index and proof. Two entries with one key verify alike; the same statement with another
// signature has another key. The second form takes the evidence id the caller computed already
// (REQUIRES: it is SHA-256 of entry.statement), so the statement is hashed once.
Hash32 DepositCheckKey(const ledger::Entry& entry);
Hash32 DepositCheckKey(const ledger::Entry& entry, const Hash32& evidence_id);

}  // namespace evchain::consensus
