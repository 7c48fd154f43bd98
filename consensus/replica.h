// A PBFT replica (Castro & Liskov, OSDI'99 / TOCS'02) as a pure, deterministic state machine in
// the style of etcd-raft: no sockets, files, threads, clocks or randomness. The host feeds it
// verified messages, client deposits, fetched blocks and the current time, and drains an outbox.
// Protocol, persistence and safety argument: docs/protocol.md.
//
// HOW A HOST DRIVES IT (one thread or strand owns the Replica; nothing here is thread-safe):
//
//   Replica r(genesis, self, key, restored, &committed_index);   // RestoredState, see below
//   loop:
//     on peer bytes (peer i):  off-thread: auto m = VerifyMessage(genesis, bytes);
//                              on strand:  if (m.ok()) r.Step(*m, now); else count(m.status())
//     on client deposit:       (signature already checked by the API) r.Propose(entry, now)
//     on timer (every ~10-50 ms, any cadence works): r.Tick(now)
//     (`now` is a Now: both clocks, read once per call)
//     on a peer link coming up:   r.PeerConnected(peer, now)
//     on fetched blocks:       r.StepFetchedBlocks(blocks, now)
//     after any of the above, while (r.HasReady()):
//       Ready rd = r.TakeReady();
//       1. apply rd.persist to durable storage and SYNC it          (before sending anything)
//       2. send rd.messages (to == kBroadcast: every other validator)
//       3. append rd.committed blocks to the evidence log in order   (synced)
//       4. if rd.fetch: ask rd.fetch->peers for blocks in [from_height, to_height] (with
//          certificates; several ranges may be in flight) and later pass them to
//          StepFetchedBlocks in height order
//       5. log / count rd.events
//       r.Advance();
//   If persisting fails the host must stop the replica (never send after a failed persist).
//
// On restart, load every persisted record (key -> value) and the committed chain tip from the
// evidence log into RestoredState; the replica then never signs a PREPARE or COMMIT conflicting
// with one it signed before the crash.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "common/time.h"
#include "consensus/block_check.h"
#include "consensus/committed_index.h"
#include "consensus/message.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "genesis/genesis.h"
#include "ledger/block.h"

namespace evchain::consensus {

// The host's two clocks at one instant (docs/protocol.md "Timers"). Every timer runs on `mono`,
// which never goes back and does not jump when NTP or an operator sets the system clock, so a
// clock step cannot fire a view change or hold one back. Only what must agree with the world's
// time reads `wall`: block times, the clock-skew rule and COMMIT cosignature timestamps.
struct Now {
  UnixMillis wall = 0;  // the system clock (evchain-node: std::chrono::system_clock)
  int64_t mono = 0;     // ms from any fixed origin, > 0 (evchain-node: std::chrono::steady_clock)
};

// A client deposit with what its statement says, as a host's admission found it.
struct ClientDeposit {
  ledger::Entry entry;
  Hash32 id{};           // evidence id: SHA-256 of the statement
  DepositorNonce nonce;  // (depositor, nonce) of the statement
  // The statement's digest, when the host has it: the block cut then neither parses nor hashes
  // the statement (ledger::EntryFacts).
  std::optional<Hash32> digest;
};

// The committed chain as the host's storage holds it.
struct ChainTip {
  uint64_t height = 0;           // 0 = empty chain
  Hash32 hash{};                 // hash of block `height`; the genesis hash when height == 0
  UnixMillis time = 0;           // time of block `height`; genesis time when height == 0
  uint64_t log_size = 0;         // leaves in the log
  std::vector<Hash32> frontier;  // hashes of crypto::RootSubtrees(log_size), left to right
};

// The host found its data directory to be a restored copy (docs/operations.md "The restore
// marker"): the records are a backup's, older than what this validator has signed since.
struct RestoredFromBackup {
  uint64_t consensus_seq = 0;   // the highest sequence number in the backup's records
  uint64_t consensus_view = 0;  // the highest view in them
};

struct RestoredState {
  // Every record the replica asked to persist (PersistOp) that is still present, by key.
  std::map<std::string, std::string> records;
  ChainTip tip;
  // Set: the replica withholds its votes until it is past everything it may have signed before
  // (Replica::abstaining). The host keeps its restore marker until then.
  std::optional<RestoredFromBackup> from_backup;
  // Set (without from_backup): the data directory held nothing of this validator's, no chain and
  // no consensus records, at its first start or since (docs/protocol.md "An empty data
  // directory"). A new validator's is empty; so is that of one that voted and lost its data,
  // which must not vote again. The replica withholds every vote until its chain and view have
  // reached what f+1 other replicas report. If a certificate of a block it applies meanwhile
  // carries its own cosignature, or another replica answers that it holds a vote it signed, it
  // has voted before: kOwnVotesFound, and it goes on as if
  // restored from a backup of nothing (the host writes a restore marker). Otherwise
  // kEmptyDataDirChecked, and it votes. The host keeps its own record of this until either.
  bool empty_data_dir = false;
};

// One durable write: value set = put, nullopt = delete. Keys are short ASCII strings owned by
// the replica (the host may prefix them); apply a Ready's ops atomically and in order.
struct PersistOp {
  std::string key;
  std::optional<std::string> value;
};

constexpr int kBroadcast = -1;
struct Outgoing {
  int to = kBroadcast;  // validator index, or kBroadcast for every other validator
  std::string wire;     // serialized, signed pb::Envelope
};

// A block as committed or as fetched from a peer: what storage::BlockToAppend needs.
struct CommittedBlock {
  ledger::BlockHeader header;
  Hash32 hash{};
  std::vector<ledger::Entry> entries;
  std::vector<Bytes> leaves;  // exact leaf bytes, leaves[i] belongs to entries[i]
  std::string certificate;    // signed checkpoint note with >= quorum cosignatures
  // Fetched blocks only: set by VerifyFetchedBlocks (certificate and deposit signatures checked),
  // so StepFetchedBlocks does only the chain checks. Never set it any other way.
  bool verified = false;
};

// The expensive, chain-independent half of checking fetched blocks, pure and thread-safe (the
// host runs it on its thread pool before StepFetchedBlocks): each block's certificate
// (ledger::VerifyCertificate, a quorum of genesis validators) must match its header, and every
// deposit signature must verify. Marks the leading blocks that pass `verified` and returns how
// many; the rest stay unmarked (StepFetchedBlocks checks them fully and reports the failure).
// With a `cache`, deposits this host verified before (it saw them before it fell behind) are not
// verified again (VerifyDeposits).
size_t VerifyFetchedBlocks(const genesis::Genesis& genesis, std::vector<CommittedBlock>* blocks,
                           DepositCheckCache* cache = nullptr);

// Ask peers for committed blocks with certificates, starting at `from_height`. The host may keep
// several requests for consecutive ranges of [from_height, to_height] in flight, to different
// peers, as long as it passes the blocks to StepFetchedBlocks in height order (docs/protocol.md
// "State transfer"). A new FetchRequest supersedes the previous one.
struct FetchRequest {
  uint64_t from_height = 0;
  uint64_t to_height = 0;  // highest committed height a peer or a stable checkpoint reports
  std::vector<int> peers;  // preferred peers (ahead of us), best first
};

struct Event {
  enum class Kind {
    kViewChangeStarted,  // sent VIEW-CHANGE for `view`; `detail`: the rule that fired
    kViewChanged,        // entered `view` (NEW-VIEW accepted or sent)
    kEquivocation,       // primary signed two pre-prepares for one (view, seq): `evidence`
    kDropped,            // a message was dropped: `detail` is the reason
    kStableCheckpoint,   // low watermark moved to `seq`
    kStateTransfer,      // `detail` describes fetched blocks applied or rejected
    // Restored from a backup: the bounds below which it withholds votes are known and in this
    // Ready's persist ops (`seq`, `view`); the host may clear its restore marker.
    kRestoredBoundsKnown,
    // Started on an empty data directory (RestoredState::empty_data_dir): caught up with f+1
    // others' reports (height `seq`, view `view`) and found no cosignature of its own: it votes.
    kEmptyDataDirChecked,
    // Started on an empty data directory, and the certificate of block `seq` carries this
    // validator's cosignature, or another replica holds a vote it signed at `seq` (`detail` says
    // which): it voted before and lost its data. It withholds its votes as one restored from a
    // backup of nothing; the host writes a restore marker (kRestoredBoundsKnown follows when the
    // bounds are known).
    kOwnVotesFound,
  };
  Kind kind = Kind::kDropped;
  uint64_t view = 0;
  uint64_t seq = 0;
  int peer = -1;
  std::string detail;
  std::vector<std::string> evidence;  // signed envelopes (equivocation: both pre-prepares)
};

struct Ready {
  std::vector<PersistOp> persist;
  std::vector<Outgoing> messages;
  std::vector<CommittedBlock> committed;  // ascending heights, contiguous
  std::optional<FetchRequest> fetch;
  std::vector<Event> events;
  bool empty() const {
    return persist.empty() && messages.empty() && committed.empty() && !fetch && events.empty();
  }
};

class Replica {
 public:
  // REQUIRES: 0 <= self < genesis.n(); key is validator `self`'s key; `key` and `index` outlive
  // the replica (both are held by reference); `index` reflects at least every block the host has
  // appended (blocks handed out in a Ready are tracked internally until Advance()). Invalid
  // persisted records are ignored.
  Replica(const genesis::Genesis& genesis, int self, const crypto::SecretKey& key,
          const RestoredState& restored, const CommittedIndex* index);
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // A message from validator m.sender().
  // REQUIRES: `m` came from VerifyMessage (envelope, deposits and cosignature checked).
  void Step(const Message& m, Now now);

  // A client deposit arriving at this replica. REQUIRES: VerifyDeposit(genesis, entry).ok().
  // Keeps it in the pending pool, forwards it to the primary and starts its request timer.
  // Ok for a new or already pending deposit ("accepted idempotently"). Errors: "bad_deposit"
  // (statement does not parse for this chain), "already_committed", "nonce_conflict".
  Status Propose(const ledger::Entry& entry, Now now);
  // The same for a host that has parsed and hashed the deposit already (its admission did), so
  // it is not parsed and hashed again here. REQUIRES: as above, and `deposit.id` and
  // `deposit.nonce` are the statement's evidence id and (depositor, nonce).
  Status Propose(ClientDeposit deposit, Now now);

  // Timers: block cutting (primary), request and view-change timeouts, retransmission.
  void Tick(Now now);

  // The host's link to `peer` came up: sends it our Status at once, so whichever side is behind
  // starts fetching now rather than at the next periodic status exchange. Ignores an unknown
  // peer index or self.
  void PeerConnected(int peer, Now now);

  // Blocks with certificates fetched from a peer (answer to a FetchRequest), in height order.
  // Each is verified (certificate quorum, hash chain, entries, leaves, log root) before it is
  // applied; the first bad block and everything after it are dropped and reported as an event.
  // Blocks marked `verified` by VerifyFetchedBlocks skip the certificate and deposit-signature
  // checks (the chain checks still run). Returns how many were applied.
  size_t StepFetchedBlocks(const std::vector<CommittedBlock>& blocks, Now now);

  bool HasReady() const;
  // Hands the outbox to the host (see the file comment for the order of processing). Records of
  // received votes that nothing in the Ready acts on are held back for the next Ready that acts,
  // so a Ready may come out empty (docs/protocol.md "Persistence").
  Ready TakeReady();
  // The host finished processing the last Ready (persisted, sent, appended).
  void Advance();

  // Introspection for status pages, metrics and tests.
  int self() const;
  uint64_t view() const;
  bool view_changing() const;
  int primary() const;  // primary of view()
  uint64_t committed_height() const;
  const Hash32& committed_hash() const;
  uint64_t stable_checkpoint() const;  // low watermark h
  size_t pending() const;              // deposits in the pool not yet committed
  // Restored from a backup and still withholding votes: no PRE-PREPARE, PREPARE or COMMIT for a
  // sequence number it may have voted on before the restore, no VIEW-CHANGE or NEW-VIEW for a
  // view it may have been in (docs/protocol.md "Restored from a backup"). False once both bounds
  // are behind it; the host may then clear its restore marker.
  bool abstaining() const;
  // Abstaining while it checks an empty data directory (RestoredState::empty_data_dir).
  bool checking_empty_data_dir() const;
  bool IsPending(const Hash32& evidence_id) const;
  const std::map<std::string, uint64_t>& dropped() const;  // drop counters by reason
  // When this primary's next block falls due by time alone, on the `mono` clock of Now: it holds
  // deposits not yet proposed, and the block interval (or an eighth of it, with no block in
  // flight) has not passed since its last cut. The host should Tick it then: a regular tick may
  // come up to its period later, and the block with it. nullopt when no cut waits for time
  // (a backup, nothing unproposed, or due already: the last call made it or could not).
  std::optional<int64_t> NextCutDue() const;
  // Deposit statements this replica parsed and hashed itself because no earlier check handed it
  // their facts (ledger::EntryFacts), by path: "pre_prepare" (checking a PRE-PREPARE),
  // "block_cut" (the primary building one), "forward" (pooling a FORWARD's deposit) and
  // "committed_block" (a fetched or restored block). On the normal path the first three stay
  // 0: VerifyContents, the host's deposit cache and admission hand every statement's facts
  // over, so each deposit is parsed and hashed once per validator (docs/protocol.md).
  const std::map<std::string, uint64_t>& statement_parses() const;

  struct State;

 private:
  std::unique_ptr<State> s_;
};

}  // namespace evchain::consensus
