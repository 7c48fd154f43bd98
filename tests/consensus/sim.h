// Deterministic simulation of n replicas over a virtual clock and a seeded PRNG: delay, loss,
// duplication, reordering, healing partitions, crash/restart from persisted records only, and
// Byzantine replicas. Invariants are checked after every step (see Check*). Used by
// consensus_sim (the seed sweep) and by the transcript-style scenario tests.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "consensus/block_check.h"
#include "consensus/replica.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "genesis/genesis.h"

namespace evchain::consensus::sim {

// Byzantine behaviours (bit set).
enum Byz : uint32_t {
  kEquivocate = 1,     // as primary: a second, different pre-prepare to some peers
  kConflictVotes = 2,  // prepares/commits with random digests to some peers
  kForge = 4,          // flipped signature bytes
  kGarbage = 8,        // random bytes
  kStale = 16,         // replays of its own old messages
  kCensor = 32,        // as primary: never sends pre-prepares
  kBadFetch = 64,      // serves tampered blocks to state transfer
  // As primary: block A to the lower half of the other replicas and a conflicting block B to the
  // upper half, each half also getting its block's COMMIT at once (two blocks, one height).
  kSplitBrain = 128,
  // As primary: fresh pre-prepares carry a block time an hour ahead, and NEW-VIEW is held back
  // so that they reach replicas still changing view (as kLateNewView).
  kBadTime = 256,
  // Lies in the protocol messages: besides each VIEW-CHANGE and CHECKPOINT it sends a
  // well-signed wrong one (a stable checkpoint it cannot prove, a prepared certificate whose
  // prepares do not match, a checkpoint digest of another chain), as primary a NEW-VIEW whose
  // re-proposed blocks are not the ones its VIEW-CHANGEs prove; and it replays VIEW-CHANGE,
  // NEW-VIEW and CHECKPOINT messages it received from others (valid signatures, stale).
  kProtocolLies = 512,
  // Floods: with every message, 8 more: votes and checkpoints for far sequence numbers,
  // statuses claiming random heights and views.
  kFlood = 1024,
  // As primary: NEW-VIEW is held back 60 ms, so that its pre-prepares reach replicas still
  // changing view.
  kLateNewView = 2048,
};

struct Options {
  int n = 4;
  uint64_t seed = 1;
  bool verbose = false;
  bool random_faults = true;  // false: a fault-free network unless the test adds faults
  int deposits = 20;
  uint32_t max_batch = 8;             // genesis params.max_batch (load scenarios use hundreds)
  UnixMillis block_interval_ms = 20;  // genesis params.block_interval_ms
  UnixMillis fault_period = 600;      // faults and deposits happen in [0, fault_period)
  UnixMillis max_time = 40000;        // give up (liveness failure) after this much virtual time
  // Host processing cost, a model of signature checks on a busy machine. Empty: a replica
  // handles each message the moment it arrives. Otherwise, as node/peer_inbox.h does, replica i
  // handles messages that carry deposits one at a time, protocol messages before FORWARDs, and
  // the others (votes, status, checkpoints, view changes) on a worker of their own, so they never
  // wait behind a block; each takes us_per_message + us_per_entry[i] x the deposits it carries
  // that replica i has not checked before (the node's cache of checked deposits). The clock-skew
  // rule judges a PRE-PREPARE by its arrival (Message::received_at).
  std::vector<uint64_t> us_per_entry;
  uint64_t us_per_message = 0;
};

// A fault-free run of n = 4 (the scenario tests add the faults they are about).
inline Options QuietOptions(uint64_t seed, UnixMillis max_time) {
  Options o;
  o.seed = seed;
  o.random_faults = false;
  o.max_time = max_time;
  return o;
}

// A digest whose first byte is `b` (tests of the replica's parts).
inline Hash32 TestDigest(uint8_t b) {
  Hash32 h{};
  h[0] = b;
  return h;
}

// The PRE-PREPARE body proposing `block` in its header's view: for Simulation::Inject.
pb::Body PrePrepareOf(const CheckedBlock& block);

class Simulation {
 public:
  explicit Simulation(const Options& options);
  ~Simulation();

  const genesis::Genesis& genesis() const { return genesis_; }
  Replica* replica(int i) { return nodes_[i].replica.get(); }
  const std::vector<CommittedBlock>& chain(int i) const { return nodes_[i].chain; }
  const std::map<std::string, std::string>& records(int i) const { return nodes_[i].records; }
  // Readies whose records replica i's host wrote (each one synced write in the node).
  size_t persist_writes(int i) const { return nodes_[i].persist_writes; }
  UnixMillis now() const { return now_; }             // virtual ms since start
  UnixMillis clock() const { return kStart + now_; }  // the simulation's clock
  UnixMillis ClockOf(int i) const { return clock() + nodes_[i].clock_offset; }  // replica i's
  // Replica i's clocks as its host reads them: the wall clock above (offset and jumps
  // included) and a monotonic clock that only advances, from an origin of its own (unrelated
  // to the wall clock, as steady_clock is: a replica that mixed the two would show it).
  Now NowOf(int i) const { return Now{ClockOf(i), kMonoStart + int64_t{1000} * i + now_}; }

  // Scripted faults (scenario tests); times are virtual ms since start.
  void SetByzantine(int node, uint32_t behaviours);
  void Crash(int node, UnixMillis at);
  // At `at`, arms a crash in the middle of the node's next Ready (after persisting it).
  void CrashMidReady(int node, UnixMillis at);
  // Sets the node's clock offset at `at` (a clock jump when it changes).
  void SetClockOffset(int node, UnixMillis offset, UnixMillis at);
  void Restart(int node, UnixMillis at);
  // Takes a backup of `node` (its chain, index and consensus records) at `backup_at`; at
  // `restore_at` crashes it, puts the backup in place of its data and restarts it — with
  // `marker`, as the node does on a restored copy (RestoredState::from_backup), without, as a
  // node that ignores the restore marker.
  void RestoreFromBackup(int node, UnixMillis backup_at, UnixMillis restore_at, bool marker);
  // At `at`, crashes `node`, empties its data (chain, index, journal, consensus records) and
  // restarts it: a validator whose disk was lost, started again on an empty data directory.
  // With `record` it starts as the node does on one (RestoredState::empty_data_dir); without,
  // as a node that did not tell an empty data directory from a new validator's (until
  // 2026-12-07).
  void LoseData(int node, UnixMillis at, bool record = true);
  void Partition(std::vector<int> group, UnixMillis from, UnixMillis until);
  void SetLoss(double p) { loss_ = p; }
  // Messages from an honest replica for which `drop(from, to, body)` is true are lost (scenario
  // tests: a loss that hits one kind of message on chosen links only).
  void DropWhen(std::function<bool(int from, int to, const pb::Body& body)> drop) {
    drop_when_ = std::move(drop);
  }
  // Signs `body` as validator `from` (Byzantine or not) and delivers it to every other replica
  // at `at`, bypassing `from`'s replica: forged traffic a Byzantine validator can produce.
  void Inject(int from, const pb::Body& body, UnixMillis at);
  // As Inject, with `reframe` applied to the signed envelope's bytes first: what a Byzantine
  // relay can do to a message it passes on (the signature covers only the body).
  void InjectReframed(int from, const pb::Body& body, UnixMillis at,
                      std::function<std::string(const std::string&)> reframe);
  // Schedules a fresh signed deposit submitted to `node` at `at`. Returns its evidence id.
  Hash32 Submit(int node, UnixMillis at);
  // A deposit of the simulation's depositor signed with this nonce, for `evidence`.
  ledger::Entry SignedDeposit(const std::string& nonce, const std::string& evidence) const;
  // Submits `entry` to `node` at `at` without requiring it to commit (RunToCompletion): for
  // deposits the chain may rightly refuse, such as a second statement with one nonce.
  void SubmitEntry(int node, const ledger::Entry& entry, UnixMillis at);

  // Runs until virtual time `until` (or a violation). Returns false on a violation.
  bool RunUntil(UnixMillis until);
  // Runs until every deposit that reached an honest replica is committed exactly once at every
  // honest replica and they agree on the height, or max_time. Returns true iff that happened.
  bool RunToCompletion();
  // Full seed run: random faults, then heal and complete. Returns "" or the failure.
  std::string RunSeed();

  const std::string& failure() const { return failure_; }
  const std::vector<std::string>& transcript() const { return transcript_; }
  bool Honest(int i) const { return nodes_[i].byzantine == 0; }
  size_t CountEvents(Event::Kind kind) const;
  uint64_t HonestDrops(const std::string& reason) const;
  // Messages an honest host rejected before Step (VerifyEnvelope, Prefilter, VerifyContents).
  uint64_t HostRejects(const std::string& reason) const;

 private:
  static constexpr UnixMillis kStart = 1'700'000'000'000;
  static constexpr int64_t kMonoStart = 5'000'000;  // as if booted 83 minutes before
  struct SetIndex : CommittedIndex {
    std::set<Hash32> ids;
    std::map<DepositorNonce, Hash32> nonces;
    bool Contains(const Hash32& id) const override { return ids.count(id) > 0; }
    std::optional<Hash32> NonceOwner(const std::string& depositor,
                                     const std::string& nonce) const override {
      auto it = nonces.find({depositor, nonce});
      if (it == nonces.end()) return std::nullopt;
      return it->second;
    }
  };
  struct Node {
    std::unique_ptr<crypto::SecretKey> key;
    std::unique_ptr<Replica> replica;
    std::map<std::string, std::string> records;
    // The host's pending journal (node/pending_journal.h): deposits it accepted, until they
    // commit. It survives a crash, and a restarted host proposes them again
    // (Validator::ResumePending): the one durable copy of a pending deposit.
    std::map<Hash32, ledger::Entry> journal;
    std::vector<CommittedBlock> chain;
    // The host's cut timer (node/validator.cc ArmCutTimer): the simulation time it is set for.
    UnixMillis cut_tick_at = -1;
    SetIndex index;
    crypto::MerkleFrontier frontier;  // of the committed log
    uint32_t byzantine = 0;
    std::vector<std::string> sent;   // for stale replays
    std::vector<std::string> heard;  // kProtocolLies: others' VIEW-CHANGE/NEW-VIEW/CHECKPOINT
    // Its clock runs this far from the simulation's (within max_clock_skew_ms / 4 for honest
    // replicas, the protocol's assumption; RandomFaults moves it now and then: clock jumps).
    UnixMillis clock_offset = 0;
    // The next Ready is persisted, then the host crashes before it sends or appends anything
    // (CrashMidReady): what a crash between the consensus store's write and the log's looks
    // like. Each Ready's persist ops are one atomic synced write (node/consensus_store.cc), so
    // they cannot tear among themselves.
    bool crash_after_persist = false;
    // The host's restore marker (docs/operations.md "The restore marker"): set by a restore that
    // honours it, kept across restarts, deleted once the replica reports its bounds known.
    bool restore_marker = false;
    // The host's record that the data directory started empty (the node's meta record
    // "empty_data_dir"): every node starts so at genesis, and LoseData starts one so again.
    // Deleted once the replica found no cosignature of its own (kEmptyDataDirChecked); turned
    // into a restore marker when it found one (kOwnVotesFound), or when the host restarts with
    // blocks under the record (a crash during the check: their certificates were not looked at).
    bool empty_dir_record = true;
    bool gone = false;          // down for good (RandomFaults): the run completes without it
    size_t persist_writes = 0;  // Readies with records (persist_writes())
    // The host's state-transfer target (node/validator.cc's catching_up_): while the replica is
    // below it, Prefilter drops FORWARDs as the node does.
    uint64_t fetch_target = 0;
    // Options::us_per_entry: messages waiting for the host's two workers (deposits: protocol
    // messages first, then FORWARDs; small: the rest), and whether each is busy.
    struct Arrival {
      int from;
      std::string wire;
      UnixMillis arrived;            // clock()
      std::vector<Hash32> deposits;  // hashes of the deposits it carries
    };
    // Deposits this host has checked once: later copies cost it nothing more (the node's
    // DepositCheckCache, node/verified_deposits.h).
    std::set<Hash32> checked;
    std::deque<Arrival> urgent, forwards, small;
    bool busy = false;
    bool busy_small = false;
    // The (view, seq) of each equivocation this replica reported since it started: an honest
    // replica reports and relays one proof of each once (Replica::State::Equivocation).
    std::set<std::pair<uint64_t, uint64_t>> equivocations_reported;
    // What the host loses with its process (a crash, a restore): queues, the check cache, and
    // the replica's memory of what it reported.
    void DropHostState() {
      urgent.clear();
      forwards.clear();
      small.clear();
      checked.clear();
      equivocations_reported.clear();
    }
  };
  struct Item {
    UnixMillis at;
    uint64_t order;
    std::function<void()> run;
    bool operator>(const Item& o) const { return at != o.at ? at > o.at : order > o.order; }
  };

  void Schedule(UnixMillis at, std::function<void()> run);
  void Log(const std::string& line);
  void Fail(const std::string& why);
  void Drain(int i);
  void Transmit(int from, int to, const std::string& wire);
  // A message reaches `to`'s host: delivered at once, or queued under the cost model.
  void Arrive(int from, int to, const std::string& wire);
  // Starts `to`'s next queued message on the small-message worker or the deposits worker.
  void StartNextArrival(int to, bool small);
  // Host checks, then Step. `arrived`: the clock() when the bytes arrived (0: now).
  void Deliver(int from, int to, const std::string& wire, UnixMillis arrived = 0);
  void Mutate(int from, int to, const std::string& wire);
  // The body of `pp` rebuilt with block time `time` (valid leaves and log root), or nullopt
  // when `pp` does not extend `from`'s committed tip.
  // kProtocolLies: a well-signed wrong variant of a VIEW-CHANGE, CHECKPOINT or NEW-VIEW body.
  std::optional<pb::Body> Lie(const pb::Body& body);
  std::optional<pb::Body> Redate(int from, const pb::PrePrepare& pp, UnixMillis time);
  // kSplitBrain: the wire this Byzantine primary sends `to` instead of its own PRE-PREPARE.
  std::string SplitBrain(int from, int to, const std::string& wire, const pb::PrePrepare& pp);
  void ServeFetch(int i, const FetchRequest& req);
  void CheckBlock(int i, const CommittedBlock& b);
  bool Connected(int a, int b) const;
  void StartReplica(int i, std::optional<RestoredFromBackup> from_backup = std::nullopt);
  ChainTip TipOf(int i) const;  // node i's committed chain as a host would restore it
  void RandomFaults();
  bool Complete() const;

  Options opt_;
  std::mt19937_64 rng_;
  genesis::Genesis genesis_;
  std::unique_ptr<crypto::SecretKey> depositor_key_;
  std::vector<Node> nodes_;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue_;
  uint64_t order_ = 0;
  UnixMillis now_ = 0;
  double loss_ = 0, dup_ = 0;
  std::function<bool(int, int, const pb::Body&)> drop_when_;
  UnixMillis max_delay_ = 5;
  struct PartitionSpec {
    std::set<int> group;
    UnixMillis from, until;
  };
  std::vector<PartitionSpec> partitions_;
  std::map<uint64_t, Hash32> canonical_;    // height -> block hash (first honest commit)
  std::set<Hash32> must_commit_;            // deposits that reached an honest replica
  std::set<std::string> contested_nonces_;  // RandomFaults reused them: no deposit must commit
  uint64_t nonce_ = 0;
  int unsubmitted_ = 0;  // scheduled deposits not yet handed to a replica
  std::string failure_;
  std::vector<std::string> transcript_;
  std::map<Event::Kind, size_t> event_counts_;
  std::map<std::string, uint64_t> host_rejects_;  // by reason, honest receivers only
  // The host's checks of a wire (envelope, then contents) by its SHA-256: both are pure
  // functions of the bytes, and a broadcast reaches every replica with the same bytes, so the
  // simulation checks each once (a node checks what it receives once too). Cleared when large.
  struct HostCheck {
    Result<Message> envelope;  // VerifyEnvelope
    Result<Message> contents;  // then VerifyContents (when the envelope verified)
  };
  std::map<Hash32, HostCheck> host_checked_;
  // (sender, kind, view, seq) -> digest of every vote an honest replica ever sent.
  std::map<std::tuple<int, int, uint64_t, uint64_t>, std::string> votes_;
  // kSplitBrain: (sender, view, seq) -> the envelopes sent to the upper half (PRE-PREPARE B and
  // COMMIT B) and to the lower half (COMMIT A), built once so retransmissions repeat them.
  struct SplitWires {
    std::string pre_prepare_b, commit_a, commit_b;
  };
  std::map<std::tuple<int, uint64_t, uint64_t>, SplitWires> splits_;
};

}  // namespace evchain::consensus::sim
