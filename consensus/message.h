// Signed consensus messages: envelope signing and the pure verification functions a host runs
// off the consensus thread before Replica::Step. Wire format: proto/consensus.proto,
// docs/protocol.md "Messages".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "common/time.h"
#include "consensus/deposit_check_cache.h"
#include "crypto/ed25519.h"
#include "genesis/genesis.h"
#include "ledger/block.h"
#include "ledger/statement.h"
#include "proto/consensus.pb.h"

namespace evchain::consensus {

// A message whose envelope signature (and, for messages carrying deposits, every deposit's
// signature) has been checked. Only VerifyMessage and the replica itself create one.
class Message {
 public:
  int sender() const { return sender_; }
  const pb::Body& body() const { return body_; }
  // The exact serialized Envelope as received (kept as evidence and for certificates).
  const std::string& wire() const { return wire_; }
  // When the host received the bytes, on its wall clock; 0 = unknown (Step's `now` stands in).
  // The clock-skew rule for PRE-PREPARE judges the block time against this: a message that
  // waited in the host's queues behind a backlog is judged by when it arrived, not by when the
  // replica got to it (docs/protocol.md "Time rules"). Set only by the host.
  UnixMillis received_at() const { return received_at_; }
  void set_received_at(UnixMillis t) { received_at_ = t; }
  // True iff VerifyContents checked the certificates a VIEW-CHANGE carries, or those of every
  // VIEW-CHANGE a NEW-VIEW carries (CheckViewChange): the replica need not check them again on
  // its own thread.
  bool certificates_checked() const { return certificates_checked_; }
  // For a PRE-PREPARE or FORWARD from VerifyContents: one element per carried entry, in order,
  // with the facts of each entry VerifyContents parsed and hashed while verifying it, or those
  // the cache kept from the check that verified it before (empty where neither has them). The
  // replica uses them instead of parsing and hashing the entry again; empty vector for any other
  // message.
  const std::vector<std::optional<ledger::EntryFacts>>& entry_facts() const { return entry_facts_; }

 private:
  friend Result<Message> VerifyMessage(const genesis::Genesis&, std::string_view);
  friend Result<Message> VerifyEnvelope(const genesis::Genesis&, std::string_view);
  friend Result<Message> VerifyContents(const genesis::Genesis&, Message, DepositCheckCache*);
  friend class Replica;
  Message() = default;
  int sender_ = -1;
  pb::Body body_;
  std::string wire_;
  UnixMillis received_at_ = 0;
  bool certificates_checked_ = false;
  std::vector<std::optional<ledger::EntryFacts>> entry_facts_;
};

// The bytes an envelope signature covers (docs/protocol.md "Envelope").
Bytes EnvelopeSigningBytes(const genesis::Genesis& genesis, uint32_t sender,
                           std::string_view body_bytes);

// Serializes `body` into a signed Envelope from validator `sender`.
std::string SignEnvelope(const genesis::Genesis& genesis, int sender, const crypto::SecretKey& key,
                         const pb::Body& body);

// Parses `wire` and checks its envelope signature against the genesis key of the sender it
// names. Deposit signatures are NOT checked. Errors (stable codes, used as drop reasons):
// "malformed" (also: a PREPARE, COMMIT, CHECKPOINT or STATUS envelope over 1 KiB, which no
// correct validator sends and the replica would keep and persist), "unknown_sender",
// "bad_signature".
Result<Message> VerifyEnvelope(const genesis::Genesis& genesis, std::string_view wire);

// Everything the host must check before Step, pure and thread-safe: VerifyEnvelope and, for
// PRE-PREPARE and FORWARD, VerifyDeposits on the carried entries; for COMMIT, the cosignature.
// The envelope signature names the sender; the link a message arrived on does not matter, since
// replicas legitimately relay others' signed messages (NEW-VIEW retransmission, equivocation
// evidence). Extra errors: "bad_deposit", "bad_cosignature".
Result<Message> VerifyMessage(const genesis::Genesis& genesis, std::string_view wire);

// The rest of VerifyMessage for a message VerifyEnvelope returned: the carried deposits and the
// COMMIT cosignature. VerifyMessage(g, w) == VerifyEnvelope(g, w) then VerifyContents.
// For VIEW-CHANGE, CheckViewChange; for NEW-VIEW, the envelope and CheckViewChange of each
// VIEW-CHANGE it carries (error "bad_new_view"; the replica still recomputes the NEW-VIEW).
// With a `cache`, a deposit this host verified before is not verified again, and a FORWARD's
// deposits that are committed here are not verified at all (the replica ignores them); the
// result for the replica is the same as without the cache.
Result<Message> VerifyContents(const genesis::Genesis& genesis, Message envelope,
                               DepositCheckCache* cache = nullptr);

// Checks the certificates a VIEW-CHANGE carries, pure and thread-safe: the stable checkpoint's
// proof (a quorum of signed CHECKPOINTs for its seq and digest, or the genesis hash at 0) and
// each prepared certificate (a pre-prepare from its view's primary, in the window above the
// checkpoint, before the new view, one per height, and quorum-1 matching prepares from
// backups). Up to L x quorum signature checks: the host runs it off the consensus thread, in
// VerifyContents. Error: "bad_view_change".
Status CheckViewChange(const genesis::Genesis& genesis, const pb::ViewChange& vc);

// True iff a block time is within the genesis clock skew of `now`: the replica drops every
// PRE-PREPARE message whose block time is not, during a view change too; only the blocks a
// NEW-VIEW re-proposes are exempt (docs/protocol.md "Time rules").
bool WithinClockSkew(const genesis::ConsensusParams& params, UnixMillis block_time, UnixMillis now);

// What a host's other threads know of its replica (atomics it updates after each step).
struct ReplicaSnapshot {
  uint64_t committed_height = 0;
  bool catching_up = false;  // a state transfer runs
  bool pool_full = false;    // the replica holds as many pending deposits as the host allows
};

// The kind of message `wire` claims to be: the field of Body's oneof its body starts with, or
// KIND_NOT_SET when `wire` is no Envelope or its body starts with no known kind. Cheap (no
// signature check, the body is only peeked at), for a host to choose where a message is
// verified (client traffic behind protocol messages, votes without a hand-off); a Byzantine
// sender can only misplace its own message by lying: the checks that follow do not trust it.
pb::Body::KindCase PeekKind(std::string_view wire);

// A hash in a protobuf bytes field: ToHash is false unless `bytes` is exactly 32 bytes long.
bool ToHash(std::string_view bytes, Hash32* out);
std::string HashBytes(const Hash32& h);

// Whether a host may drop a message VerifyEnvelope accepted before VerifyContents checks its
// deposits, pure and thread-safe. A stale snapshot only makes it keep more. Errors (drop reasons):
// "not_primary": a PRE-PREPARE its view's primary did not sign, "bad_batch_size": one of no
// deposits or more than max_batch (offences of the signer; the codes below are not);
// "already_committed": a PRE-PREPARE of a committed height, and "clock_skew": one whose block
// time is beyond WithinClockSkew: the replica would drop both unseen;
// "pool_full": a FORWARD while the pool is full (its holders forward it again later);
// "catching_up": a FORWARD while a state transfer runs: peers flush the deposits of every block
// being fetched, a replica that is behind can neither propose nor time requests usefully, and
// holders forward deposits not yet proposed again (docs/protocol.md "Retransmission").
Status Prefilter(const genesis::Genesis& genesis, const Message& envelope,
                 const ReplicaSnapshot& replica, UnixMillis now);
// True for the codes above: correct senders' messages get them too (stale, early, or a clock
// within its rights), so they say nothing about the sender. Any other error from
// VerifyEnvelope or VerifyContents does: no correct validator sends such a message.
bool IsPrefilterCode(std::string_view code);

// Checks each entry: canonical statement of this chain by a genesis depositor, and its Ed25519
// signature (or, for a batch item, the batch signature and the item's inclusion proof).
// Errors: "bad_deposit" naming the first bad entry. With a `cache`, an entry this host verified
// before is not verified again, and each entry verified is recorded there (while the cache is
// empty, only counted: no key is computed).
Status VerifyDeposits(const genesis::Genesis& genesis, const std::vector<ledger::Entry>& entries,
                      DepositCheckCache* cache = nullptr);
Status VerifyDeposit(const genesis::Genesis& genesis, const ledger::Entry& entry);

// (batch statement, batch signature) pairs already verified within one message or block, each
// with its parsed statement: the items of one client batch share them, so the Ed25519 check and
// the batch statement's parse run once per distinct batch, not once per item.
class BatchSignatureCache {
 public:
  // The parsed statement of a verified pair, or null.
  const ledger::BatchStatement* Find(std::string_view statement,
                                     const crypto::Signature& signature) const;
  // REQUIRES: VerifyDepositCached verified the pair, and `parsed` is `statement` parsed. A
  // second statement with the same signature is not added (Find then misses it: checked again).
  void Add(std::string_view statement, const crypto::Signature& signature,
           const ledger::BatchStatement& parsed);

 private:
  struct Verified {
    std::string statement;
    ledger::BatchStatement parsed;
  };
  // By signature: one lookup without building a key; the statement is compared on a hit.
  std::map<crypto::Signature, Verified> verified_;
};
// VerifyDeposit that skips batch signatures found in `cache` and adds the ones it verifies.
// `cache` may be null. Only pairs this function verified may be in it. `facts`, when given,
// receives what the statement's parse and hash give (ledger::FactsOfEntry) if the entry
// verifies; its hash is `evidence_id` when the caller has it (SHA-256 of the statement).
Status VerifyDepositCached(const genesis::Genesis& genesis, const ledger::Entry& entry,
                           BatchSignatureCache* cache, ledger::EntryFacts* facts = nullptr,
                           const Hash32* evidence_id = nullptr);

// Conversions between ledger types and their protobuf form.
void ToProto(const ledger::Entry& entry, pb::Deposit* out);
Result<ledger::Entry> FromProto(const pb::Deposit& deposit);
void ToProto(const ledger::BlockHeader& header, pb::Header* out);
Result<ledger::BlockHeader> FromProto(const std::string& chain_id, const pb::Header& header);

}  // namespace evchain::consensus
