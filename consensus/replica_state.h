// Internal state of Replica, shared by replica.cc (normal case, checkpoints, timers),
// view_change.cc (VIEW-CHANGE / NEW-VIEW) and state_transfer.cc. Not part of the public API.
// Variable names follow Castro & Liskov: view v, sequence number n (= block height), low
// watermark h, window L, prepared / committed-local predicates.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/hash_order.h"
#include "consensus/block_check.h"
#include "consensus/checkpoint_votes.h"
#include "consensus/message_log.h"
#include "consensus/pacemaker.h"
#include "consensus/records.h"
#include "consensus/replica.h"
#include "consensus/request_pool.h"
#include "consensus/tentative_deposits.h"
#include "crypto/note.h"

namespace evchain::consensus {

struct BufferedPrePrepare {
  std::string wire;
  pb::PrePrepare pp;
  bool from_new_view = false;  // carried by NEW-VIEW: no clock-skew check
  // Message::entry_facts() of the PRE-PREPARE it came in (empty when carried by a NEW-VIEW).
  std::vector<std::optional<ledger::EntryFacts>> facts;
};

struct ReceivedViewChange {
  std::string wire;
  pb::ViewChange vc;
};

struct Replica::State {
  State(const genesis::Genesis& g, int self_index, const crypto::SecretKey& k,
        const CommittedIndex* idx);

  // ---- configuration
  genesis::Genesis genesis;
  int self;
  const crypto::SecretKey& key;
  const CommittedIndex* index;
  size_t n, f;
  size_t quorum;  // genesis.quorum(): votes of a certificate (prepared counts the pre-prepare)

  // ---- committed chain
  ChainPoint tip;  // last committed block (height 0 = genesis)
  // Hashes of the blocks committed above the stable checkpoint that this replica knows (all it
  // committed since it started, and the tip it restarted with): VoteOnCommittedReproposals.
  std::map<uint64_t, Hash32> committed_hashes;
  // Heights of the current view's re-proposed blocks this replica committed before and has not
  // cast both votes on yet (InstallNewView; VoteOnCommittedReproposals).
  std::set<uint64_t> committed_reproposals;
  Hash32Set unapplied_ids;  // committed ids the host may not have appended yet
  Hash32Set handed_out_ids;
  // The same for nonces: (depositor, nonce) -> evidence id of the committed entry holding it.
  std::map<DepositorNonce, Hash32> unapplied_nonces;
  std::map<DepositorNonce, Hash32> handed_out_nonces;

  // ---- view
  uint64_t view = 0;
  bool view_changing = false;
  Pacemaker pacemaker;  // every protocol timer's length (docs/protocol.md "Timers")
  UnixMillis Timeout(uint32_t base_ms) const { return pacemaker.Timeout(base_ms); }
  UnixMillis view_change_deadline = 0;  // NEW-VIEW timer; 0 = unarmed (no quorum changing yet)
  UnixMillis view_entered_at = 0;
  std::string new_view_wire;        // NEW-VIEW that installed `view`
  std::string my_view_change_wire;  // VIEW-CHANGE sent for `view` while changing
  std::map<uint64_t, std::map<int, ReceivedViewChange>> view_changes;  // by view, sender

  // ---- log (n in (h, h + L])
  MessageLog log;  // (seq, view) -> pre-prepare and votes
  std::map<std::pair<uint64_t, uint64_t>, BufferedPrePrepare> buffered;  // (view, seq)
  // (view, seq) of the equivocations reported and relayed, of this view and later ones: each
  // once, or every relayed copy would be relayed again (Equivocation). At most one per seq
  // within the watermarks for each view.
  std::set<std::pair<uint64_t, uint64_t>> equivocations_relayed;

  // ---- checkpoints
  uint64_t stable_seq = 0;  // h
  Hash32 stable_digest{};
  std::vector<std::string> stable_proof;
  CheckpointVotes checkpoint_votes;  // others' and our own, bounded per sender
  std::string my_last_checkpoint_wire;

  // ---- client deposits not yet committed
  RequestPool pool;
  std::vector<ledger::Entry> to_forward;  // client deposits to broadcast, batched per Ready
  bool cut_requested = false;             // Propose ran since the last Ready: try a block cut
  // Records of received votes that nothing sent or committed depends on yet: they go out with
  // the next Ready that sends, commits, fetches or reports (docs/protocol.md "Persistence").
  std::vector<PersistOp> deferred_persist;

  // ---- timers and peers
  // The host's clocks at the current call (SetNow). Every UnixMillis below but `wall` is on the
  // monotonic clock: timers never read the wall clock.
  UnixMillis now = 0;   // Now::mono
  UnixMillis wall = 0;  // Now::wall: block times, the skew rule, cosignature timestamps
  void SetNow(Now n) {
    now = n.mono;
    wall = n.wall;
  }
  UnixMillis last_cut = 0;
  UnixMillis next_status = 0;
  UnixMillis progress_deadline = 0;  // 0 = unarmed
  UnixMillis progress_armed_at = 0;  // when progress_deadline was armed
  // Request timers restart when the view makes progress: the last time a block of the current
  // view committed deposits from this replica's pool (Castro-Liskov §4.5.2; CheckTimers).
  UnixMillis last_pool_progress = 0;
  UnixMillis last_from_primary = 0;  // last valid message from the primary of `view`
  UnixMillis fetch_retry_at = 0;
  UnixMillis time_vote_at = 0;  // last COMMIT from a time validator (0: not yet looked)
  uint64_t fetch_attempts = 0;  // rotates the peer order: a Byzantine peer cannot stall us
  uint64_t fetch_to = 0;        // to_height of the last FetchRequest
  std::map<int, uint64_t> peer_committed;  // from Status: the height each peer reported last

  // ---- restored from a backup (docs/protocol.md "Restored from a backup")
  // While `amnesic`, votes for seqs <= amnesia_seq and view-changes for views <= amnesia_view
  // are withheld; both bounds are unknown (everything withheld) until this replica's own chain
  // and installed view have reached the lowest reports of enough other replicas
  // (LearnAmnesiaBounds): a report nothing backs, such as a Byzantine lie, never counts.
  bool amnesic = false;
  bool amnesia_bounds_known = false;
  uint64_t amnesia_seq = 0;
  uint64_t amnesia_view = 0;
  RestoredFromBackup backup_floor;
  // Started on an empty data directory (RestoredState::empty_data_dir), not yet caught up with
  // f+1 others' reports: `amnesic` too, so it withholds every vote meanwhile. Cleared by
  // LearnAmnesiaBounds (no cosignature of its own found) or by ApplyCommitted (one found).
  bool empty_dir_check = false;
  crypto::NoteVerifier own_cosigner;  // this validator's checkpoint cosignature key
  struct ReportFloor {
    uint64_t height;  // the lowest committed height the peer reported since this replica started
    uint64_t view;    // the lowest view it reported having entered (not changing to)
  };
  std::map<int, ReportFloor> peer_floor;  // kept until the bounds are known
  uint64_t installed_view = 0;            // the last view this replica was in, not changing to
  bool MayVoteAt(uint64_t seq) const {
    return !amnesic || (amnesia_bounds_known && seq > amnesia_seq);
  }
  bool MayChangeTo(uint64_t v) const {
    return !amnesic || (amnesia_bounds_known && v > amnesia_view);
  }
  // Reports from other replicas LearnAmnesiaBounds needs: enough to include a correct replica
  // that had executed the restored validator's last stable checkpoint.
  size_t AmnesiaReportsNeeded() const;
  void LearnAmnesiaBounds();
  // While empty_dir_check: a certificate carrying this validator's cosignature ends the check.
  void LookForOwnCosignature(uint64_t height, const std::string& certificate);
  // Ends the check: a vote of this validator's at `seq` was found (a certificate's cosignature,
  // or one another replica holds). From here it is a validator restored from a backup of
  // nothing (kOwnVotesFound).
  void FoundOwnVotes(uint64_t seq, std::string detail);
  // The highest seq at which `log` holds a PRE-PREPARE, PREPARE or COMMIT `peer` signed (0:
  // none): what a replica checking its empty data directory asks (AnswerEmptyDataDirCheck).
  uint64_t HighestVoteHeldFrom(int peer) const;
  // Answers a STATUS of a replica checking its empty data directory with one of its own, to it
  // alone, carrying HighestVoteHeldFrom(peer); at most once per half view-change timeout.
  void AnswerEmptyDataDirCheck(int peer);
  std::map<int, UnixMillis> last_check_answer;
  // Retransmission is rate-limited per peer (once per view_change_timeout_ms): NEW-VIEW,
  // VIEW-CHANGE and pre-prepares carry whole blocks and can be megabytes each.
  std::map<int, UnixMillis> last_resend;
  UnixMillis last_view_change_resend = 0;
  bool MayResend(int peer);

  // ---- durable records (consensus/records.h)
  ConsensusRecords records;

  // ---- outbox
  Ready ready;
  bool state_dirty = false;
  bool restoring = false;
  std::map<std::string, uint64_t> dropped;
  // Statements this replica parsed and hashed itself, by path (Replica::statement_parses).
  std::map<std::string, uint64_t> statement_parses;

  // ---- helpers (replica.cc)
  int Primary(uint64_t v) const { return static_cast<int>(v % n); }
  bool IsPrimary() const { return Primary(view) == self; }
  uint64_t HighWatermark() const { return stable_seq + genesis.params.watermark_window; }
  void Drop(const std::string& reason, int peer);
  void Send(int to, const pb::Body& body);
  std::string SignAndSend(int to, const pb::Body& body);
  void PersistMessage(uint64_t seq, const std::string& wire);
  void PersistState();
  ViewSlot& Slot(uint64_t seq, uint64_t v) { return log.Slot(seq, v); }
  const Proposal* FindProposal(uint64_t seq, uint64_t v) const { return log.FindProposal(seq, v); }
  const ChainPoint* BaseFor(uint64_t seq, uint64_t v) const;
  bool Prepared(uint64_t seq, uint64_t v) const { return log.Prepared(seq, v, Primary(v), quorum); }
  // Deposits of the blocks accepted in view v at heights (tip, below): the tentative chain.
  TentativeDeposits InFlight(uint64_t below, uint64_t v) const;
  // The primary's blocks in flight in this view, on top of the committed tip: where the next
  // one goes (`next_seq`), what it extends (`head`: the tip or the last block in flight) and how
  // many entries those blocks hold.
  struct InFlightEnd {
    uint64_t next_seq = 0;
    const ChainPoint* head = nullptr;
    size_t entries = 0;
  };
  InFlightEnd OwnInFlightEnd() const;
  // When the next block falls due by time alone (MaybeCutBlock): block_interval_ms after the
  // last cut, or an eighth of it with no block in flight (`idle`).
  UnixMillis CutDueAt(bool idle) const;
  bool IsCommittedId(const Hash32& id) const;
  // True iff an entry other than `id` holding this nonce is committed (unapplied, handed out or
  // in the host's index): the one check of the nonce rule against the committed chain.
  bool NonceCommittedByOther(const DepositorNonce& nonce, const Hash32& id) const;
  void FlushForwards();

  void OnPrePrepare(const Message& m);
  void BufferPrePrepare(int from, const std::string& wire, const pb::PrePrepare& pp,
                        bool from_new_view,
                        std::vector<std::optional<ledger::EntryFacts>> facts = {});
  void TryAcceptBuffered();
  bool AcceptPrePrepare(const BufferedPrePrepare& b);
  void AcceptOwnPrePrepare(CheckedBlock block, std::string wire);
  void OnPrepare(const Message& m);
  void OnCommit(const Message& m);
  void OnCheckpoint(const Message& m);
  void OnForward(const Message& m);
  void OnStatus(const Message& m);
  void Progress();
  void SendPrepare(uint64_t seq, const Proposal& p, ViewSlot& slot);
  void SendCommit(uint64_t seq, const Proposal& p, ViewSlot& slot);
  void VoteOnCommittedReproposals();
  void TryCommit();
  // True while a commit with these votes should wait for a time validator's cosignature.
  bool AwaitTimeCosignature(ViewSlot& slot,
                            const std::vector<const std::pair<const int, Vote>*>& votes);
  void ApplyCommitted(const CheckedBlock& block, const std::string& certificate, bool fetched);
  void MaybeCutBlock();
  void CheckTimers();
  void Retransmit();
  pb::Body StatusBody() const;  // our view, committed height and stable checkpoint
  void SendStatus(int to);
  void Equivocation(const std::string& a, const std::string& b, uint64_t v, uint64_t seq);
  void MarkStable(uint64_t seq, const Hash32& digest, std::vector<std::string> proof);
  void GarbageCollect();
  void Restore(const RestoredState& restored);
  void RestoreMessage(const Message& m);

  // ---- view change (view_change.cc)
  // `reason` (a static string) names the rule that fired; it becomes the event's detail.
  void StartViewChange(uint64_t new_view, const char* reason);
  void SendViewChange(const char* reason);
  void OnViewChange(const Message& m);
  void OnNewView(const Message& m);
  void MaybeSendNewView();
  // A PRE-PREPARE of a NEW-VIEW, signed (by this replica) or verified (OnNewView) already:
  // installing a view does not check its signature and parse its block a second time.
  struct SignedPrePrepare {
    std::string wire;
    pb::PrePrepare body;
  };
  void InstallNewView(uint64_t v, const std::string& nv_wire,
                      const std::vector<SignedPrePrepare>& pre_prepares);
  size_t ViewChangersAtLeast(uint64_t v) const;

  // ---- state transfer (state_transfer.cc)
  void MaybeFetch();
  size_t ApplyFetched(const std::vector<CommittedBlock>& blocks);
};

std::string HashKey(const Hash32& h);  // lowercase hex

// Decodes a PRE-PREPARE into a Proposal without chain validation (leaves/after come later).
// With `ids`, also each entry's evidence id and nonce (a parse and a hash each); without, the
// caller takes them from CheckBlock, which parses and hashes every entry anyway.
std::optional<Proposal> DecodeProposal(const genesis::Genesis& g, const std::string& wire,
                                       const pb::PrePrepare& pp, bool ids);

}  // namespace evchain::consensus
