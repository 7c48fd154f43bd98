// Normal-case operation (Castro-Liskov §4.2), checkpoints and garbage collection (§4.3),
// timers, retransmission and persistence. View changes: view_change.cc; state transfer:
// state_transfer.cc. docs/protocol.md explains every rule used here.
#include "consensus/replica.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <utility>

#include "common/encoding.h"
#include "consensus/replica_state.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "ledger/statement.h"

namespace evchain::consensus {
namespace {

// Blocks the primary keeps proposed but uncommitted. Under a backlog of full blocks this bounds
// the prepared certificates a VIEW-CHANGE carries beyond the committed ones (each block can be
// megabytes) without costing throughput: a block commits in a few round trips.
constexpr uint64_t kMaxUncommittedBlocks = 4;
// Received votes' records held back at most (TakeReady): a bound on what a crash can lose.
constexpr size_t kMaxDeferredPersistOps = 64;

}  // namespace

std::optional<Proposal> DecodeProposal(const genesis::Genesis& g, const std::string& wire,
                                       const pb::PrePrepare& pp, bool ids) {
  Result<ledger::BlockHeader> header = FromProto(g.chain_id, pp.header());
  if (!header.ok()) return std::nullopt;
  Proposal p;
  p.wire = wire;
  p.header = *header;
  p.digest = header->Hash();
  p.checkpoint_text = ledger::CheckpointText(*header);
  p.entries.reserve(pp.entries_size());
  for (const pb::Deposit& d : pp.entries()) {
    Result<ledger::Entry> e = FromProto(d);
    if (!e.ok()) return std::nullopt;
    if (ids) {
      Result<ledger::EntryFacts> facts = ledger::FactsOfEntry(g, *e);
      if (!facts.ok()) return std::nullopt;
      p.evidence_ids.push_back(facts->statement_hash);
      p.nonces.emplace_back(std::move(facts->depositor), std::move(facts->nonce));
    }
    p.entries.push_back(std::move(*e));
  }
  return p;
}

std::string HashKey(const Hash32& h) { return ToHex(h); }

namespace {

// A salt for the pool's hash table that depositors cannot learn, without randomness: Ed25519
// signatures are a deterministic function of the secret key and the message.
uint64_t PoolHashSalt(const crypto::SecretKey& k) {
  constexpr std::string_view kPurpose = "evchain/request-pool-hash-salt/1";
  return GetU64BE(k.Sign(AsBytes(kPurpose)).data());
}

}  // namespace

Replica::State::State(const genesis::Genesis& g, int self_index, const crypto::SecretKey& k,
                      const CommittedIndex* idx)
    : genesis(g),
      self(self_index),
      key(k),
      index(idx),
      n(g.n()),
      f(g.f()),
      quorum(g.quorum()),
      checkpoint_votes(quorum, f),
      pool(PoolHashSalt(k)),
      own_cosigner{g.validators[self_index].id, crypto::kSigTypeCosignature,
                   g.validators[self_index].public_key} {}

// ---------------------------------------------------------------- helpers

void Replica::State::Drop(const std::string& reason, int peer) {
  ++dropped[reason];
  Event e;
  e.kind = Event::Kind::kDropped;
  e.view = view;
  e.peer = peer;
  e.detail = reason;
  ready.events.push_back(std::move(e));
}

std::string Replica::State::SignAndSend(int to, const pb::Body& body) {
  std::string wire = SignEnvelope(genesis, self, key, body);
  ready.messages.push_back(Outgoing{to, wire});
  return wire;
}

void Replica::State::Send(int to, const pb::Body& body) { SignAndSend(to, body); }

void Replica::State::PersistMessage(uint64_t seq, const std::string& wire) {
  if (restoring) return;  // restored from these very records
  if (std::optional<PersistOp> op = records.AddMessage(seq, wire)) ready.persist.push_back(*op);
}

void Replica::State::PersistState() { state_dirty = true; }

// The chain point a block at `seq` in view `v` must extend: the committed tip, or the block this
// replica accepted at seq-1 in the same view.
const ChainPoint* Replica::State::BaseFor(uint64_t seq, uint64_t v) const {
  if (seq == tip.height + 1) return &tip;
  if (seq <= tip.height + 1) return nullptr;
  const Proposal* prev = FindProposal(seq - 1, v);
  if (prev == nullptr || !prev->after) return nullptr;
  return &*prev->after;
}

bool Replica::State::IsCommittedId(const Hash32& id) const {
  return unapplied_ids.count(id) || handed_out_ids.count(id) ||
         (index != nullptr && index->Contains(id));
}

bool Replica::State::NonceCommittedByOther(const DepositorNonce& nonce, const Hash32& id) const {
  for (const auto* recent : {&unapplied_nonces, &handed_out_nonces}) {
    if (auto it = recent->find(nonce); it != recent->end()) return it->second != id;
  }
  if (index == nullptr) return false;
  const std::optional<Hash32> owner = index->NonceOwner(nonce.first, nonce.second);
  return owner.has_value() && *owner != id;
}

TentativeDeposits Replica::State::InFlight(uint64_t below, uint64_t v) const {
  TentativeDeposits in_flight;
  for (uint64_t s = tip.height + 1; s < below; ++s) {
    const Proposal* p = FindProposal(s, v);
    if (p == nullptr) break;
    in_flight.Add(*p);
  }
  in_flight.Seal();
  return in_flight;
}

// ---------------------------------------------------------------- normal case

void Replica::State::OnPrePrepare(const Message& m) {
  const pb::PrePrepare& pp = m.body().pre_prepare();
  // A PRE-PREPARE message always proposes a fresh block of its own view: blocks re-proposed by a
  // new primary travel inside its NEW-VIEW (OnNewView). So these rules hold whether or not this
  // replica is changing view; a pre-prepare buffered while changing was once exempt from the
  // clock-skew rule, and a Byzantine new primary could date a block an hour ahead (after which
  // every honest primary's later block would be dropped) or far back.
  if (pp.header().view() != pp.view()) return Drop("bad_block:view", m.sender());
  const UnixMillis arrived = m.received_at() != 0 ? m.received_at() : wall;
  if (!WithinClockSkew(genesis.params, static_cast<UnixMillis>(pp.header().time()), arrived)) {
    return Drop("bad_block:clock_skew", m.sender());
  }
  if (pp.view() != view || view_changing) {
    // Pre-prepares of the view being installed may overtake its NEW-VIEW: keep them.
    if (pp.view() == view && view_changing && m.sender() == Primary(pp.view())) {
      BufferPrePrepare(m.sender(), m.wire(), pp, false, m.entry_facts());
      return;
    }
    return Drop("wrong_view", m.sender());
  }
  if (m.sender() != Primary(view)) return Drop("not_primary", m.sender());
  const uint64_t seq = pp.header().height();
  if (seq <= tip.height) return Drop("already_committed", m.sender());
  BufferPrePrepare(m.sender(), m.wire(), pp, false, m.entry_facts());
  TryAcceptBuffered();
}

void Replica::State::BufferPrePrepare(int from, const std::string& wire, const pb::PrePrepare& pp,
                                      bool from_new_view,
                                      std::vector<std::optional<ledger::EntryFacts>> facts) {
  const uint64_t seq = pp.header().height();
  if (seq <= stable_seq || seq > HighWatermark()) return Drop("outside_watermarks", from);
  const Proposal* accepted = FindProposal(seq, pp.view());
  auto key2 = std::make_pair(pp.view(), seq);
  auto it = buffered.find(key2);
  const std::string* other =
      accepted ? &accepted->wire : (it != buffered.end() ? &it->second.wire : nullptr);
  if (other != nullptr) {
    if (*other == wire) return;  // retransmission
    Message prior = *VerifyEnvelope(genesis, *other);
    if (prior.body().pre_prepare().header().SerializeAsString() !=
        pp.header().SerializeAsString()) {
      return Equivocation(*other, wire, pp.view(), seq);
    }
    return;  // same block, different encoding of the envelope: keep the first
  }
  buffered[key2] = BufferedPrePrepare{wire, pp, from_new_view, std::move(facts)};
}

void Replica::State::TryAcceptBuffered() {
  bool progress = true;
  while (progress) {
    progress = false;
    for (auto it = buffered.begin(); it != buffered.end();) {
      auto [v, seq] = it->first;
      if (v < view || seq <= tip.height) {
        it = buffered.erase(it);
        continue;
      }
      if (v != view || view_changing || BaseFor(seq, v) == nullptr) {
        ++it;
        continue;
      }
      BufferedPrePrepare b = std::move(it->second);
      it = buffered.erase(it);
      if (AcceptPrePrepare(b)) progress = true;
    }
  }
}

// Accepts a pre-prepare whose base is known: it must chain onto the block accepted at seq-1 in
// this view (or the committed tip), and pass every block rule. Returns true iff accepted.
bool Replica::State::AcceptPrePrepare(const BufferedPrePrepare& b) {
  const uint64_t seq = b.pp.header().height();
  const int primary = Primary(b.pp.view());
  std::optional<Proposal> p = DecodeProposal(genesis, b.wire, b.pp, /*ids=*/false);
  if (!p) {
    Drop("bad_block:malformed", primary);
    return false;
  }
  ViewSlot& slot = Slot(seq, b.pp.view());
  // Never accept a block conflicting with one this replica already voted for in this view
  // (possible only after a crash lost nothing but the accepted pre-prepare; kept for safety).
  for (const auto* votes : {&slot.prepares, &slot.commits}) {
    auto mine = votes->find(self);
    if (mine != votes->end() && mine->second.digest != p->digest) {
      Drop("conflicts_own_vote", primary);
      return false;
    }
  }
  const ChainPoint* base = BaseFor(seq, b.pp.view());
  if (!b.from_new_view && (p->header.proposer != genesis.validators[primary].id)) {
    Drop("bad_block:proposer", primary);
    return false;
  }
  const TentativeDeposits in_flight = InFlight(seq, b.pp.view());
  // A deposit in this replica's pool is neither committed nor beaten to its nonce: both were
  // checked when it entered the pool, and a commit of either removes it (ApplyCommitted). So
  // the host's index, a storage read each, is asked only about deposits this replica lacks.
  // The entries move through the check and back: a block's worth of statements is not copied.
  Result<CheckedBlock> checked = CheckBlock(
      genesis, *base, p->header, std::move(p->entries),
      [&](const Hash32& id) {
        return in_flight.HasId(id) || (!pool.Contains(id) && IsCommittedId(id));
      },
      [&](const DepositorNonce& nonce, const Hash32& id) {
        if (const Hash32* holder = in_flight.NonceHolder(ViewOf(nonce))) return *holder != id;
        return !pool.Contains(id) && NonceCommittedByOther(nonce, id);
      },
      b.facts.empty() ? nullptr : &b.facts);
  if (const size_t parsed = checked.ok() ? checked->parsed : 0; parsed > 0) {
    statement_parses["pre_prepare"] += parsed;
  }
  if (!checked.ok()) {
    // No view change from here: the block may be bad only relative to this replica's view of
    // the chain (it may be behind). If the primary is faulty, the request and progress timers
    // of all correct replicas fire together.
    Drop("bad_block:" + checked.status().code(), primary);
    return false;
  }
  p->entries = std::move(checked->entries);
  p->after = checked->after;
  p->leaves = std::move(checked->leaves);
  p->evidence_ids = std::move(checked->evidence_ids);
  p->nonces = std::move(checked->nonces);
  // The block's deposits join the pool as if FORWARDed (a primary does not forward what it
  // proposes): should the block be lost in a view change, this replica still holds them, times
  // them and hands them to the next primary. They leave the pool when committed.
  const bool have_facts = b.facts.size() == p->entries.size();
  for (size_t i = 0; i < p->entries.size(); ++i) {
    std::optional<Hash32> digest;
    if (have_facts && b.facts[i]) digest = b.facts[i]->digest;
    pool.Add(p->entries[i], p->evidence_ids[i], p->nonces[i], now, digest);
  }
  slot.pre_prepare = std::move(*p);
  PersistMessage(seq, b.wire);
  return true;
}

void Replica::State::OnPrepare(const Message& m) {
  const pb::Prepare& p = m.body().prepare();
  if (p.seq() <= stable_seq || p.seq() > HighWatermark()) {
    return Drop("outside_watermarks", m.sender());
  }
  if (p.view() > view) return Drop("future_view", m.sender());
  if (p.view() < view && FindProposal(p.seq(), p.view()) == nullptr) {
    return Drop("stale_view", m.sender());
  }
  if (m.sender() == Primary(p.view())) return Drop("prepare_from_primary", m.sender());
  Hash32 digest;
  if (!ToHash(p.digest(), &digest)) return Drop("malformed", m.sender());
  ViewSlot& slot = Slot(p.seq(), p.view());
  auto it = slot.prepares.find(m.sender());
  if (it != slot.prepares.end()) {
    if (it->second.digest != digest) Drop("conflicting_vote", m.sender());
    return;
  }
  slot.prepares[m.sender()] = Vote{digest, m.wire(), {}, 0, {}};
  PersistMessage(p.seq(), m.wire());
}

void Replica::State::OnCommit(const Message& m) {
  const pb::Commit& c = m.body().commit();
  if (c.seq() <= stable_seq || c.seq() > HighWatermark()) {
    return Drop("outside_watermarks", m.sender());
  }
  if (c.view() > view) return Drop("future_view", m.sender());
  if (c.view() < view && FindProposal(c.seq(), c.view()) == nullptr) {
    return Drop("stale_view", m.sender());
  }
  Hash32 digest;
  if (!ToHash(c.digest(), &digest)) return Drop("malformed", m.sender());
  ViewSlot& slot = Slot(c.seq(), c.view());
  auto it = slot.commits.find(m.sender());
  if (it != slot.commits.end()) {
    if (it->second.digest != digest) Drop("conflicting_vote", m.sender());
    return;
  }
  slot.commits[m.sender()] =
      Vote{digest, m.wire(), c.checkpoint_text(), c.timestamp(), c.cosignature()};
  if (genesis.validators[m.sender()].role == genesis::Role::kTime) time_vote_at = now;
  PersistMessage(c.seq(), m.wire());
}

void Replica::State::SendPrepare(uint64_t seq, const Proposal& p, ViewSlot& slot) {
  pb::Body body;
  pb::Prepare* pr = body.mutable_prepare();
  pr->set_view(view);
  pr->set_seq(seq);
  pr->set_digest(HashBytes(p.digest));
  std::string wire = SignAndSend(kBroadcast, body);
  slot.prepares[self] = Vote{p.digest, wire, {}, 0, {}};
  PersistMessage(seq, wire);
}

void Replica::State::SendCommit(uint64_t seq, const Proposal& p, ViewSlot& slot) {
  uint64_t ts = static_cast<uint64_t>(std::max<UnixMillis>(wall, 0) / 1000);
  crypto::NoteSignature sig =
      crypto::CosignCheckpoint(p.checkpoint_text, genesis.validators[self].id, key, ts);
  pb::Body body;
  pb::Commit* c = body.mutable_commit();
  c->set_view(view);
  c->set_seq(seq);
  c->set_digest(HashBytes(p.digest));
  c->set_checkpoint_text(p.checkpoint_text);
  c->set_timestamp(ts);
  // NoteSignature payload for type 0x04 is 8-byte timestamp || 64-byte signature.
  c->set_cosignature(std::string(sig.signature.begin() + 8, sig.signature.end()));
  std::string wire = SignAndSend(kBroadcast, body);
  slot.commits[self] = Vote{p.digest, wire, p.checkpoint_text, ts, c->cosignature()};
  PersistMessage(seq, wire);
}

// The blocks a NEW-VIEW re-proposed at heights this replica has committed already: it votes on
// them in this view as on any other (Castro-Liskov §4.4), so that the replicas that did not
// commit them can, though this replica applies nothing. Without it, one replica ahead and one
// down stopped the chain for good (tests/consensus/faults_test.cc "a replica ahead votes again
// on the committed blocks a new view re-proposes"). Only the block it committed at that height
// gets its votes, so it signs nothing a commit certificate could contradict.
void Replica::State::VoteOnCommittedReproposals() {
  for (auto it = committed_reproposals.begin(); it != committed_reproposals.end();) {
    const uint64_t seq = *it;
    ViewSlot* slot = seq > stable_seq ? log.Find(seq, view) : nullptr;
    if (slot == nullptr || !slot->pre_prepare) {
      it = committed_reproposals.erase(it);
      continue;
    }
    if (MayVoteAt(seq)) {
      if (!IsPrimary() && !slot->prepares.count(self)) {
        SendPrepare(seq, *slot->pre_prepare, *slot);
      }
      if (Prepared(seq, view) && !slot->commits.count(self)) {
        SendCommit(seq, *slot->pre_prepare, *slot);
      }
    }
    const bool done = slot->commits.count(self) > 0;
    it = done ? committed_reproposals.erase(it) : std::next(it);
  }
}

// Sends the prepares and commits the rules allow, then commits what is committed-local.
void Replica::State::Progress() {
  TryAcceptBuffered();
  if (!view_changing) {
    VoteOnCommittedReproposals();
    for (uint64_t seq = tip.height + 1; seq <= HighWatermark(); ++seq) {
      const Proposal* p = FindProposal(seq, view);
      if (p == nullptr || !p->after) break;
      if (seq == tip.height + 1 && p->header.prev_hash != tip.hash) break;
      ViewSlot& slot = Slot(seq, view);
      // PREPARE(n) only once prepared(n-1): a prepared certificate at n then implies one at n-1.
      bool base_ok = seq == tip.height + 1 || Prepared(seq - 1, view);
      if (!IsPrimary() && base_ok && !slot.prepares.count(self) && MayVoteAt(seq)) {
        SendPrepare(seq, *p, slot);
      }
      // COMMIT(n) only once committed-local(n-1): commit certificates form a prefix.
      if (seq == tip.height + 1 && Prepared(seq, view) && !slot.commits.count(self) &&
          MayVoteAt(seq)) {
        SendCommit(seq, *p, slot);
      }
      if (!Prepared(seq, view)) break;
    }
  }
  TryCommit();
}

// committed-local(m, v, n, i): prepared in view v plus a quorum of matching commits of view v (any
// view in which this replica prepared). Applies blocks in height order.
void Replica::State::TryCommit() {
  bool progress = true;
  while (progress) {
    progress = false;
    const uint64_t seq = tip.height + 1;
    std::map<uint64_t, ViewSlot>* views = log.ViewsAt(seq);
    if (views == nullptr) return;
    for (auto& [v, slot] : *views) {
      if (!slot.pre_prepare || !Prepared(seq, v)) continue;
      const Proposal& p = *slot.pre_prepare;
      std::vector<const std::pair<const int, Vote>*> votes;
      for (const auto& entry : slot.commits) {
        if (entry.second.digest == p.digest && entry.second.checkpoint_text == p.checkpoint_text) {
          votes.push_back(&entry);
        }
      }
      if (votes.size() < quorum) continue;
      if (AwaitTimeCosignature(slot, votes)) return;  // retried on the next COMMIT or Tick
      if (p.header.prev_hash != tip.hash) {
        Drop("commit_does_not_chain", -1);  // impossible with <= f faults; never apply it
        continue;
      }
      // Checked against its base when accepted (AcceptPrePrepare, or rebuilt at start), and
      // that base is the tip: the block chains to it (above), and a block's hash fixes the log
      // it extends. So its leaves and the chain point after it are reused, not recomputed (a
      // parse and a hash per entry). Without them (a base unknown at start) it is checked now.
      Result<CheckedBlock> checked =
          p.after && p.leaves.size() == p.entries.size()
              ? Result<CheckedBlock>(CheckedBlock{p.header, p.digest, p.entries, p.leaves,
                                                  p.evidence_ids, p.nonces, *p.after})
              : CheckBlock(
                    genesis, tip, p.header, p.entries, [](const Hash32&) { return false; },
                    NoNonceTaken);
      if (checked.ok() && checked->parsed > 0) {
        statement_parses["committed_block"] += checked->parsed;
      }
      if (!checked.ok()) {
        Drop("commit_bad_block:" + checked.status().code(), -1);
        continue;
      }
      crypto::Note note;
      note.text = p.checkpoint_text;
      // Every matching cosignature received so far, not only the first quorum.
      for (const auto* entry : votes) {
        const auto& [sender, vote] = *entry;
        crypto::NoteVerifier verifier{genesis.validators[sender].id, crypto::kSigTypeCosignature,
                                      genesis.validators[sender].public_key};
        crypto::NoteSignature sig;
        sig.name = verifier.name;
        sig.key_id = verifier.KeyId();
        PutU64BE(sig.signature, vote.timestamp);
        Append(sig.signature, AsBytes(vote.cosignature));
        note.signatures.push_back(std::move(sig));
      }
      ApplyCommitted(*checked, crypto::FormatNote(note), /*fetched=*/false);
      progress = true;
      break;
    }
  }
}

// SPEC: the time service's clock should stand in every certificate (its cosignature carries its
// own timestamp). With a quorum that lacks a time validator, wait up to one block interval for
// one — but only while a time validator is live (it sent a COMMIT within the view-change
// timeout; presumed live at start), so a crashed time validator costs a few graces, not one per
// block for ever. Waiting to commit locally never affects safety; the grace is far below every
// protocol timer.
bool Replica::State::AwaitTimeCosignature(
    ViewSlot& slot, const std::vector<const std::pair<const int, Vote>*>& votes) {
  for (const auto* entry : votes) {
    if (genesis.validators[entry->first].role == genesis::Role::kTime) return false;
  }
  if (time_vote_at == 0) time_vote_at = now;  // presumed live until silent for a timeout
  if (now - time_vote_at > genesis.params.view_change_timeout_ms) return false;
  if (slot.quorum_at == 0) slot.quorum_at = now;
  return now - slot.quorum_at < static_cast<UnixMillis>(genesis.params.block_interval_ms);
}

void Replica::State::ApplyCommitted(const CheckedBlock& block, const std::string& certificate,
                                    bool fetched) {
  if (empty_dir_check) LookForOwnCosignature(block.header.height, certificate);
  CommittedBlock out;
  out.header = block.header;
  out.hash = block.hash;
  out.entries = block.entries;
  out.leaves = block.leaves;
  out.certificate = certificate;
  ready.committed.push_back(std::move(out));
  tip = block.after;
  committed_hashes[tip.height] = tip.hash;
  bool removed_from_pool = false;
  for (size_t i = 0; i < block.evidence_ids.size(); ++i) {
    const Hash32& id = block.evidence_ids[i];
    unapplied_ids.insert(id);
    unapplied_nonces.emplace(block.nonces[i], id);
    // Another statement of this depositor with the same nonce can never commit now: it leaves
    // the pool too.
    removed_from_pool |= pool.RemoveCommitted(id, block.nonces[i]);
  }
  // Progress in this view: the timers may come down one level if this block committed in less
  // than half of what the next lower level would allow (an outstanding block's timer was armed at
  // progress_armed_at). Blocks applied by state transfer say nothing about this view.
  if (!view_changing && !fetched && progress_deadline != 0 &&
      pacemaker.Committed(now - progress_armed_at, genesis.params.view_change_timeout_ms)) {
    PersistState();
  }
  progress_deadline = 0;
  // The request timer restarts when deposits of this pool commit in this view: committed here, or
  // fetched by a replica that fell behind, in a block this view's primary proposed (its
  // certificate shows a quorum committed it). A replica catching up from a backlog is watching
  // the primary make progress, not censor.
  if (removed_from_pool && !view_changing && (!fetched || block.header.view == view)) {
    last_pool_progress = now;
  }
  cut_requested = true;  // a primary may cut the next block at once (MaybeCutBlock)
  // Checkpoint every K blocks, and also whenever the log crosses a multiple of max_batch
  // entries (a function of the committed chain, so every correct replica checkpoints at the same
  // heights): a VIEW-CHANGE carries the full blocks above the stable checkpoint, and K blocks of
  // max_batch deposits would not fit in a peer frame (16 MiB).
  const uint64_t k = genesis.params.checkpoint_interval;
  const uint64_t m = genesis.params.max_batch;
  const uint64_t size_after = tip.frontier.size();
  const uint64_t size_before = size_after - block.entries.size();
  const bool by_entries = m > 0 && size_after / m > size_before / m;
  if (((k > 0 && tip.height % k == 0) || by_entries) && tip.height > stable_seq) {
    pb::Body body;
    body.mutable_checkpoint()->set_seq(tip.height);
    body.mutable_checkpoint()->set_digest(HashBytes(tip.hash));
    my_last_checkpoint_wire = SignAndSend(kBroadcast, body);
    if (auto stable =
            checkpoint_votes.AddNear(tip.height, tip.hash, self, my_last_checkpoint_wire)) {
      MarkStable(stable->seq, stable->digest, std::move(stable->proof));
    }
  }
}

// ---------------------------------------------------------------- checkpoints (§4.3)

void Replica::State::OnCheckpoint(const Message& m) {
  const pb::Checkpoint& c = m.body().checkpoint();
  Hash32 digest;
  if (!ToHash(c.digest(), &digest)) return Drop("malformed", m.sender());
  if (c.seq() <= stable_seq) return;
  std::optional<CheckpointVotes::Stable> stable;
  if (c.seq() > HighWatermark() + genesis.params.watermark_window) {
    stable = checkpoint_votes.AddFar(c.seq(), digest, m.sender(), m.wire());
    if (!stable && checkpoint_votes.FarTarget() > tip.height) MaybeFetch();
  } else {
    stable = checkpoint_votes.AddNear(c.seq(), digest, m.sender(), m.wire());
  }
  if (stable) MarkStable(stable->seq, stable->digest, std::move(stable->proof));
}

void Replica::State::MarkStable(uint64_t seq, const Hash32& digest,
                                std::vector<std::string> proof) {
  if (seq <= stable_seq) return;
  stable_seq = seq;
  stable_digest = digest;
  stable_proof = std::move(proof);
  PersistState();
  Event e;
  e.kind = Event::Kind::kStableCheckpoint;
  e.view = view;
  e.seq = seq;
  ready.events.push_back(std::move(e));
  GarbageCollect();
  if (tip.height < stable_seq) MaybeFetch();
}

// Discards the log at and below the low watermark (the stable checkpoint proves it).
void Replica::State::GarbageCollect() {
  log.TruncateThrough(stable_seq);
  committed_hashes.erase(committed_hashes.begin(), committed_hashes.upper_bound(stable_seq));
  std::vector<PersistOp> deletes = records.DropThrough(stable_seq);
  if (!restoring) {
    ready.persist.insert(ready.persist.end(), std::make_move_iterator(deletes.begin()),
                         std::make_move_iterator(deletes.end()));
  }
  checkpoint_votes.Advance(stable_seq, HighWatermark() + genesis.params.watermark_window);
  for (auto it = buffered.begin(); it != buffered.end();) {
    it = it->first.second <= stable_seq ? buffered.erase(it) : std::next(it);
  }
}

// ---------------------------------------------------------------- deposits

void Replica::State::OnForward(const Message& m) {
  const auto& entries = m.body().forward().entries();
  const auto& facts = m.entry_facts();
  for (int i = 0; i < entries.size(); ++i) {
    Result<ledger::Entry> e = FromProto(entries[i]);
    if (!e.ok()) return Drop("malformed", m.sender());
    // The facts VerifyContents made while it verified the entry: not parsed and hashed again.
    const bool known = static_cast<size_t>(i) < facts.size() && facts[i];
    if (!known) ++statement_parses["forward"];
    Result<ledger::EntryFacts> f =
        known ? Result<ledger::EntryFacts>(*facts[i]) : ledger::FactsOfEntry(genesis, *e);
    if (!f.ok()) return Drop("bad_deposit", m.sender());
    const Hash32& id = f->statement_hash;
    DepositorNonce nonce{std::move(f->depositor), std::move(f->nonce)};
    if (pool.Contains(id) || IsCommittedId(id)) continue;
    if (NonceCommittedByOther(nonce, id)) {
      Drop("nonce_conflict", m.sender());
      continue;
    }
    pool.Add(std::move(*e), id, std::move(nonce), now, f->digest);
  }
  MaybeCutBlock();
}

// The primary cuts a block when it holds max_batch unproposed deposits, or block_interval has
// passed with at least one; never beyond the high watermark.
void Replica::State::MaybeCutBlock() {
  // A primary behind its stable checkpoint must fetch first: heights at or below it are decided.
  if (!IsPrimary() || view_changing || tip.height < stable_seq) return;
  const InFlightEnd end = OwnInFlightEnd();
  const uint64_t seq = end.next_seq;
  const ChainPoint& head = *end.head;
  const size_t in_flight_entries = end.entries;
  if (FindProposal(seq, view) != nullptr || buffered.count({view, seq})) return;
  if (seq > HighWatermark() || seq > tip.height + kMaxUncommittedBlocks) return;
  if (!MayVoteAt(seq)) return;  // restored from a backup: it may have proposed this seq before
  const size_t max_batch = genesis.params.max_batch;
  // A block is due when full; when block_interval has passed since the last cut; or, with no
  // block in flight, when an eighth of it has: a deposit reaching an idle network commits in a
  // few round trips instead of waiting out the interval, while under load the deposits that
  // arrive during the blocks in flight batch up (docs/protocol.md "Normal case").
  const bool idle = seq == tip.height + 1;
  const UnixMillis due_at = CutDueAt(idle);
  const auto due = [&](size_t deposits) { return deposits >= max_batch || now >= due_at; };
  // Cheap test first: this runs on every deposit and tick, and the walk below builds the in-flight
  // sets. The pool still holds the deposits of the blocks in flight, so without them its size
  // would call a block due, and the walk find too few to cut, on every call while blocks are in
  // flight. The estimate is exact when every in-flight deposit is pooled (always, but for blocks
  // re-proposed in a NEW-VIEW from others' pools); where it is low, a full block waits for the
  // interval instead.
  const size_t unproposed = pool.size() - std::min(pool.size(), in_flight_entries);
  if (!due(unproposed)) return;
  // Committed deposits leave the pool in ApplyCommitted, so only the tentative chain is skipped.
  // Oldest first, in the order this replica received them; a walk of at most the in-flight
  // deposits plus one block, whatever the size of the backlog.
  // A nonce names one entry of the chain (docs/protocol.md "Block validity"): of two pooled
  // statements with one nonce only the older goes into a block; the other waits in the pool
  // (it leaves when the first commits, and is proposed if the first is dropped with its block).
  const TentativeDeposits in_flight = InFlight(seq, view);
  std::set<TentativeDeposits::NonceView> cut_nonces;  // views into the pool's items
  std::vector<ledger::Entry> entries;
  // What the pool knows of each statement: BuildBlock parses and hashes only those it lacks.
  std::vector<std::optional<ledger::EntryFacts>> facts;
  pool.VisitOldestFirst([&](const Hash32& id, const RequestPool::Item& item) {
    const TentativeDeposits::NonceView nonce = ViewOf(item.nonce);
    if (!in_flight.HasId(id) && in_flight.NonceHolder(nonce) == nullptr &&
        cut_nonces.insert(nonce).second) {
      entries.push_back(item.entry);
      if (item.digest) {
        facts.emplace_back(
            ledger::EntryFacts{id, *item.digest, item.nonce.first, item.nonce.second});
      } else {
        facts.emplace_back(std::nullopt);
      }
    }
    return entries.size() < max_batch;
  });
  if (entries.empty() || !due(entries.size())) return;
  UnixMillis time = std::max(wall, head.time + 1);
  CheckedBlock block = BuildBlock(genesis, head, std::move(entries), time,
                                  genesis.validators[self].id, view, &facts);
  if (block.parsed > 0) statement_parses["block_cut"] += block.parsed;
  last_cut = now;
  pb::Body body;
  pb::PrePrepare* pp = body.mutable_pre_prepare();
  pp->set_view(view);
  ToProto(block.header, pp->mutable_header());
  for (const ledger::Entry& e : block.entries) ToProto(e, pp->add_entries());
  std::string wire = SignAndSend(kBroadcast, body);
  AcceptOwnPrePrepare(std::move(block), std::move(wire));
}

Replica::State::InFlightEnd Replica::State::OwnInFlightEnd() const {
  InFlightEnd end{tip.height + 1, &tip, 0};
  for (const Proposal* p; (p = FindProposal(end.next_seq, view)) != nullptr && p->after;
       ++end.next_seq) {
    end.head = &*p->after;
    end.entries += p->entries.size();
  }
  return end;
}

UnixMillis Replica::State::CutDueAt(bool idle) const {
  const UnixMillis interval = genesis.params.block_interval_ms;
  return last_cut + (idle ? (interval + 7) / 8 : interval);  // idle: 8 * since_cut >= interval
}

// The primary's own block was built on its base by BuildBlock, with every rule of CheckBlock
// applied to the pool's deposits: it is accepted as built, not decoded and checked again.
void Replica::State::AcceptOwnPrePrepare(CheckedBlock block, std::string wire) {
  const uint64_t seq = block.header.height;
  Proposal p;
  p.wire = std::move(wire);
  p.digest = block.hash;
  p.checkpoint_text = ledger::CheckpointText(block.header);
  p.header = std::move(block.header);
  p.entries = std::move(block.entries);
  p.after = std::move(block.after);
  p.leaves = std::move(block.leaves);
  p.evidence_ids = std::move(block.evidence_ids);
  p.nonces = std::move(block.nonces);
  ViewSlot& slot = Slot(seq, view);
  slot.pre_prepare = std::move(p);
  PersistMessage(seq, slot.pre_prepare->wire);
  TryAcceptBuffered();  // as after any acceptance: a buffered block may now have its base
}

// ---------------------------------------------------------------- timers and retransmission

void Replica::State::CheckTimers() {
  const auto& params = genesis.params;
  // Its chain or view may have reached the reports it waits for since the last one came.
  if (amnesic && !amnesia_bounds_known) LearnAmnesiaBounds();
  if (view_changing) {
    // §4.5.2: the NEW-VIEW timer runs only while a quorum of replicas (counting view-changes for
    // this view or a higher one) are changing; a replica alone in a higher view waits for the
    // others (they join through the f+1 rule or their own timers) instead of bumping its target
    // again, so the replicas converge on one view instead of spreading over several.
    if (ViewChangersAtLeast(view) < quorum) {
      view_change_deadline = 0;
    } else if (view_change_deadline == 0) {
      // The pacemaker is >= 1 here (StartViewChange counted this view change): the first view
      // change waits the base timeout, each consecutive one twice the previous.
      view_change_deadline = now + pacemaker.LowerTimeout(params.view_change_timeout_ms);
    } else if (now >= view_change_deadline) {
      StartViewChange(view + 1, "new_view_timeout");
    }
    return;
  }
  // Request timer (Castro-Liskov §4.5.2): a deposit this replica holds was not proposed in time
  // (censorship or a crashed primary). It runs from when the current view began, and restarts
  // whenever a block of this view commits deposits from this pool: a backlog the primary is
  // working through is progress, not censorship, however long it takes to drain ("reset by
  // progress, not by one deposit's fate"). As in Castro-Liskov, a primary that keeps committing
  // other deposits while it skips one is not caught by this timer (docs/protocol.md "Timers").
  const UnixMillis request_timeout = Timeout(params.request_timeout_ms);
  const UnixMillis request_base = std::max(view_entered_at, last_pool_progress);
  if (now - request_base >= request_timeout) {
    // Oldest first: arrival times grow along the walk, so it stops at the first deposit whose
    // timer has not run out.
    std::optional<TentativeDeposits> in_flight;
    bool expired = false;
    pool.VisitOldestFirst([&](const Hash32& id, const RequestPool::Item& item) {
      if (now - std::max(item.arrived, request_base) < request_timeout) return false;
      if (!in_flight) in_flight = InFlight(HighWatermark() + 1, view);
      expired = !in_flight->HasId(id);
      return !expired;
    });
    if (expired) return StartViewChange(view + 1, "request_timeout");
  }
  // Silent primary: every replica broadcasts Status every view_change_timeout/4, so a primary
  // not heard from for a whole view_change_timeout while deposits wait has most likely crashed;
  // do not wait for the (longer) request timeout.
  if (!IsPrimary() && !pool.empty() &&
      now - std::max(last_from_primary, view_entered_at) >=
          Timeout(params.view_change_timeout_ms)) {
    return StartViewChange(view + 1, "silent_primary");
  }
  // View-change timer: an accepted block is not committed in time.
  bool outstanding = FindProposal(tip.height + 1, view) != nullptr;
  for (const auto& [key2, b] : buffered) outstanding |= key2.first == view;
  if (!outstanding) {
    progress_deadline = 0;
  } else if (progress_deadline == 0) {
    progress_deadline = now + Timeout(params.view_change_timeout_ms);
    progress_armed_at = now;
  } else if (now >= progress_deadline) {
    return StartViewChange(view + 1, "progress_timeout");
  }
}

// Castro-Liskov retransmit messages until they take effect (TOCS §5.2); here every replica
// periodically broadcasts its status and peers answer with what it lacks.
pb::Body Replica::State::StatusBody() const {
  pb::Body body;
  pb::Status* st = body.mutable_status();
  st->set_view(view);
  st->set_view_changing(view_changing);
  st->set_committed_height(tip.height);
  st->set_stable_seq(stable_seq);
  st->set_checking_empty_data_dir(empty_dir_check);
  return body;
}

void Replica::State::SendStatus(int to) { Send(to, StatusBody()); }

uint64_t Replica::State::HighestVoteHeldFrom(int peer) const {
  uint64_t highest = 0;
  for (const auto& [seq, views] : log.by_seq()) {
    for (const auto& [v, slot] : views) {
      // A carried pre-prepare is signed by the primary of the view it was first proposed in.
      const bool proposed = slot.pre_prepare && Primary(slot.pre_prepare->header.view) == peer;
      if (proposed || slot.prepares.count(peer) > 0 || slot.commits.count(peer) > 0) {
        highest = std::max(highest, seq);
      }
    }
  }
  return highest;
}

void Replica::State::AnswerEmptyDataDirCheck(int peer) {
  UnixMillis& last = last_check_answer[peer];
  if (last != 0 && now - last < genesis.params.view_change_timeout_ms / 2) return;
  last = now;
  pb::Body body = StatusBody();
  body.mutable_status()->set_answers_empty_data_dir_check(true);
  body.mutable_status()->set_votes_held_from_you(HighestVoteHeldFrom(peer));
  Send(peer, body);
}

void Replica::State::Retransmit() {
  SendStatus(kBroadcast);
  if (view_changing && !my_view_change_wire.empty() &&
      now - last_view_change_resend >= genesis.params.view_change_timeout_ms) {
    last_view_change_resend = now;
    ready.messages.push_back(Outgoing{kBroadcast, my_view_change_wire});
  }
  if (!my_last_checkpoint_wire.empty()) {
    ready.messages.push_back(Outgoing{kBroadcast, my_last_checkpoint_wire});
  }
  // Deposits not proposed for a while may have been lost on their way to the other replicas.
  if (!pool.empty()) {
    const TentativeDeposits in_flight = InFlight(HighWatermark() + 1, view);
    const int max_batch = static_cast<int>(genesis.params.max_batch);
    pb::Body fwd;
    pool.VisitOldestFirst([&](const Hash32& id, RequestPool::Item& item) {
      if (now - item.last_forward < genesis.params.view_change_timeout_ms / 2) return true;
      if (in_flight.HasId(id)) return true;
      item.last_forward = now;
      ToProto(item.entry, fwd.mutable_forward()->add_entries());
      return fwd.forward().entries_size() < max_batch;
    });
    if (fwd.forward().entries_size() > 0) Send(kBroadcast, fwd);
  }
}

// A validator restored from a backup may have signed votes after the backup was taken, and
// remembers none of them. Every seq it voted on was at most its stable checkpoint h + L, and h
// had `quorum` signers, at least quorum - f - 1 of them correct others that had executed h;
// likewise every view it was in or changing to was at most one above a view w that quorum - f -
// 1 correct others had entered. Any n - quorum + f + 1 other replicas (2f+1 for n = 4, 5 and 7;
// 4 for n = 6) include one of those, and everything that one reports after the restore is at
// least h and w. So once this replica's own committed chain and installed view have reached the
// lowest reports of that many others, its tip is at least h and its view at least w: past tip +
// L (seqs) and view + 1 (views), nothing it signs can conflict with what it signed before.
// A report counts only once the replica's own chain (certified blocks) and views (NEW-VIEWs)
// back it, so an inflated one, a Byzantine lie, never counts. Until 2026-12-07 the bounds were
// the highest reports: one lie kept the replica withholding for good, and before that day it
// took 2f+1 reports, too few for n = 6.
size_t Replica::State::AmnesiaReportsNeeded() const { return n - quorum + f + 1; }

void Replica::State::LearnAmnesiaBounds() {
  size_t backed = 0;
  for (const auto& [peer, floor] : peer_floor) {
    if (peer != self && floor.height <= tip.height && floor.view <= installed_view) ++backed;
  }
  if (empty_dir_check) {
    // Its chain and view have reached what f+1 others reported, one of them correct, when it
    // started: any earlier vote of its own that a certificate up to there carries was found.
    if (backed < f + 1) return;
    empty_dir_check = false;
    amnesic = false;
    peer_floor.clear();
    Event e;
    e.kind = Event::Kind::kEmptyDataDirChecked;
    e.view = view;
    e.seq = tip.height;
    e.detail = "no cosignature of its own in the chain up to height " + std::to_string(tip.height);
    ready.events.push_back(std::move(e));
    return;
  }
  if (backed < AmnesiaReportsNeeded()) return;
  const uint64_t height = std::max(tip.height, backup_floor.consensus_seq);
  const uint64_t highest_view = std::max(view, backup_floor.consensus_view);
  // Saturating: a backup's records from a chain near 2^64 must not wrap a bound to 0.
  const uint64_t window = genesis.params.watermark_window;
  amnesia_seq = height > UINT64_MAX - window ? UINT64_MAX : height + window;
  amnesia_view = highest_view == UINT64_MAX ? UINT64_MAX : highest_view + 1;
  amnesia_bounds_known = true;
  peer_floor.clear();
  PersistState();  // the bounds outlive a crash; the host then clears its restore marker
  Event e;
  e.kind = Event::Kind::kRestoredBoundsKnown;
  e.view = amnesia_view;
  e.seq = amnesia_seq;
  e.detail = "withholding votes up to seq " + std::to_string(amnesia_seq) + " and view " +
             std::to_string(amnesia_view);
  ready.events.push_back(std::move(e));
}

// A validator started on an empty data directory that finds its own cosignature on a certified
// block has voted before and lost its records of it. From here it is a validator restored from a
// backup of nothing: it learns its bounds from n - quorum + f + 1 others (LearnAmnesiaBounds).
// The certificate was verified (a fetched block's by VerifyFetchedBlocks or the chain check, this
// replica's own from verified COMMITs), so a line with this validator's name and key id is its
// signature: nobody else can make one that passes.
void Replica::State::LookForOwnCosignature(uint64_t height, const std::string& certificate) {
  Result<crypto::Note> note = crypto::ParseNote(certificate);
  if (!note.ok()) return;
  const uint32_t key_id = own_cosigner.KeyId();
  const bool own = std::any_of(note->signatures.begin(), note->signatures.end(),
                               [&](const crypto::NoteSignature& sig) {
                                 return sig.name == own_cosigner.name && sig.key_id == key_id;
                               });
  if (!own) return;
  FoundOwnVotes(height, "the certificate of block " + std::to_string(height) +
                            " carries this validator's cosignature");
}

void Replica::State::FoundOwnVotes(uint64_t seq, std::string detail) {
  empty_dir_check = false;  // still amnesic, bounds unknown
  backup_floor = RestoredFromBackup{};
  Event e;
  e.kind = Event::Kind::kOwnVotesFound;
  e.view = view;
  e.seq = seq;
  e.detail = std::move(detail);
  ready.events.push_back(std::move(e));
}

void Replica::State::OnStatus(const Message& m) {
  const pb::Status& st = m.body().status();
  const int peer = m.sender();
  peer_committed[peer] = st.committed_height();
  if (st.checking_empty_data_dir()) AnswerEmptyDataDirCheck(peer);
  // While it checks its empty data directory, only answers to the check count as reports: each
  // says whether its sender holds a vote this replica signed before its data was lost.
  const bool report = !empty_dir_check || st.answers_empty_data_dir_check();
  if (empty_dir_check && report && st.votes_held_from_you() > 0) {
    FoundOwnVotes(st.votes_held_from_you(), "validator " + genesis.validators[peer].id +
                                                " holds a vote this validator signed at seq " +
                                                std::to_string(st.votes_held_from_you()));
  }
  if (amnesic && !amnesia_bounds_known && report) {
    // A correct replica's reports only grow: its lowest since this replica started is what it
    // had then, and a lie above it does not raise it. A replica changing to view v has entered
    // at most v - 1: this replica, which withholds its VIEW-CHANGE, cannot be asked to install
    // a view that may need that very VIEW-CHANGE to form (one of four down: found by the
    // simulator, seed 164, 2026-12-07).
    const uint64_t entered = st.view_changing() && st.view() > 0 ? st.view() - 1 : st.view();
    auto [it, first] = peer_floor.try_emplace(peer, ReportFloor{st.committed_height(), entered});
    if (!first) {
      it->second.height = std::min(it->second.height, st.committed_height());
      it->second.view = std::min(it->second.view, entered);
    }
    LearnAmnesiaBounds();
  }
  if (st.committed_height() > tip.height) MaybeFetch();
  if (view_changing) return;
  // A peer in an older view, or still changing to ours, needs the NEW-VIEW that installed it.
  if ((st.view() < view || (st.view() == view && st.view_changing())) && !new_view_wire.empty()) {
    if (MayResend(peer)) ready.messages.push_back(Outgoing{peer, new_view_wire});
    return;
  }
  if (st.view() != view || st.view_changing() || !MayResend(peer)) return;
  // Same view: resend our own messages for heights the peer has not committed, those this
  // replica has committed included (its votes on a re-proposed block: VoteOnCommittedReproposals).
  for (uint64_t s = std::max(st.committed_height(), stable_seq) + 1; s <= HighWatermark(); ++s) {
    const ViewSlot* found = log.Find(s, view);
    if (found == nullptr) {
      if (s <= tip.height) continue;  // committed in an earlier view
      break;
    }
    const ViewSlot& slot = *found;
    // Carried pre-prepares (header.view < view) travel inside the NEW-VIEW only.
    if (IsPrimary() && slot.pre_prepare && slot.pre_prepare->header.view == view) {
      ready.messages.push_back(Outgoing{peer, slot.pre_prepare->wire});
    }
    if (auto p = slot.prepares.find(self); p != slot.prepares.end()) {
      ready.messages.push_back(Outgoing{peer, p->second.wire});
    }
    if (auto c = slot.commits.find(self); c != slot.commits.end()) {
      ready.messages.push_back(Outgoing{peer, c->second.wire});
    }
  }
}

bool Replica::State::MayResend(int peer) {
  UnixMillis& last = last_resend[peer];
  if (last != 0 && now - last < genesis.params.view_change_timeout_ms) return false;
  last = now;
  return true;
}

void Replica::State::Equivocation(const std::string& a, const std::string& b, uint64_t v,
                                  uint64_t seq) {
  ++dropped["equivocation"];
  // Reported and relayed once: a replica that holds the other pre-prepare detects the proof
  // again, and if each detection relayed again, every relay would make n - 1 more (until
  // 2026-12-08, a storm while the replicas were still changing into the equivocating
  // primary's view, which lasted until the view-change timer fired). Older views' entries go.
  equivocations_relayed.erase(equivocations_relayed.begin(),
                              equivocations_relayed.lower_bound({view, 0}));
  if (!equivocations_relayed.emplace(v, seq).second) return;
  Event e;
  e.kind = Event::Kind::kEquivocation;
  e.view = v;
  e.seq = seq;
  e.peer = Primary(v);
  e.detail = "primary signed two pre-prepares for one (view, seq)";
  e.evidence = {a, b};
  ready.events.push_back(std::move(e));
  // Relay the proof so every correct replica detects it and they change view together.
  ready.messages.push_back(Outgoing{kBroadcast, a});
  ready.messages.push_back(Outgoing{kBroadcast, b});
  // The primary of `v` is proven faulty: leave its view, whether it is installed or still
  // being changed into (its pre-prepares may overtake its NEW-VIEW). Waiting for that NEW-VIEW
  // would keep a proven-faulty primary in office.
  if (v == view) StartViewChange(view + 1, "equivocation");
}

// ---------------------------------------------------------------- persistence

void Replica::State::Restore(const RestoredState& restored) {
  restoring = true;
  tip.height = restored.tip.height;
  tip.hash = restored.tip.hash;
  tip.time = restored.tip.time;
  if (tip.height == 0) {
    tip.hash = genesis.hash;
    tip.time = genesis.genesis_time;
  }
  Result<crypto::MerkleFrontier> frontier =
      crypto::MerkleFrontier::FromHashes(restored.tip.log_size, restored.tip.frontier);
  if (frontier.ok()) tip.frontier = std::move(*frontier);
  if (tip.height > 0) committed_hashes[tip.height] = tip.hash;
  stable_digest = genesis.hash;
  ConsensusRecords::Restored loaded = records.Load(restored.records);
  if (loaded.state) {
    const pb::ReplicaState& st = *loaded.state;
    view = st.view();
    view_changing = st.view_changing();
    // Changing to `view`: the view it was in before is not recorded, so none counts as installed
    // until a NEW-VIEW brings it in (LearnAmnesiaBounds).
    if (!view_changing) installed_view = view;
    pacemaker = Pacemaker(st.view_change_attempts());
    Hash32 digest;
    if (ToHash(st.stable_digest(), &digest)) {
      stable_seq = st.stable_seq();
      stable_digest = digest;
      stable_proof.assign(st.stable_proof().begin(), st.stable_proof().end());
    }
    new_view_wire = st.new_view();
    if (st.withhold_votes_to_seq() != 0 || st.withhold_view_changes_to_view() != 0) {
      amnesic = amnesia_bounds_known = true;
      amnesia_seq = st.withhold_votes_to_seq();
      amnesia_view = st.withhold_view_changes_to_view();
    }
  }
  // A restored copy: whatever bounds its records hold are the backup's, older than what this
  // validator signed since; learn them anew from the other replicas (LearnAmnesiaBounds).
  if (restored.from_backup) {
    amnesic = true;
    amnesia_bounds_known = false;
    backup_floor = *restored.from_backup;
  } else if (restored.empty_data_dir && n > 1) {
    // A lone validator has nobody to ask: it votes (docs/protocol.md "An empty data directory").
    amnesic = true;
    amnesia_bounds_known = false;
    empty_dir_check = true;
  }
  // Records of an older layout go (pool/: the host's journal is the one durable pool now).
  for (PersistOp& op : loaded.obsolete) ready.persist.push_back(std::move(op));
  for (const auto& [seq, wire] : loaded.messages) {
    Result<Message> m = VerifyEnvelope(genesis, wire);
    if (m.ok()) RestoreMessage(*m);
  }
  // Rebuild the tentative chain of the current view on top of the committed tip.
  for (uint64_t s = tip.height + 1;; ++s) {
    ViewSlot* slot = log.Find(s, view);
    if (slot == nullptr || !slot->pre_prepare) break;
    Proposal& p = *slot->pre_prepare;
    const ChainPoint* base = BaseFor(s, view);
    if (base == nullptr) break;
    Result<CheckedBlock> checked = CheckBlock(
        genesis, *base, p.header, p.entries, [](const Hash32&) { return false; }, NoNonceTaken);
    if (!checked.ok()) break;
    statement_parses["committed_block"] += checked->parsed;
    p.after = checked->after;
    p.leaves = std::move(checked->leaves);
  }
  restoring = false;
}

void Replica::State::RestoreMessage(const Message& m) {
  const pb::Body& body = m.body();
  if (body.has_pre_prepare()) {
    const pb::PrePrepare& pp = body.pre_prepare();
    if (m.sender() != Primary(pp.view())) return;
    std::optional<Proposal> p = DecodeProposal(genesis, m.wire(), pp, /*ids=*/true);
    if (!p) return;
    ViewSlot& slot = Slot(pp.header().height(), pp.view());
    if (!slot.pre_prepare) slot.pre_prepare = std::move(*p);
  } else if (body.has_prepare()) {
    OnPrepare(m);
  } else if (body.has_commit()) {
    OnCommit(m);
  }
}

// ---------------------------------------------------------------- Replica

Replica::Replica(const genesis::Genesis& genesis, int self, const crypto::SecretKey& key,
                 const RestoredState& restored, const CommittedIndex* index)
    : s_(std::make_unique<State>(genesis, self, key, index)) {
  s_->Restore(restored);
}

Replica::~Replica() = default;

void Replica::Step(const Message& m, Now now) {
  State& s = *s_;
  s.SetNow(now);
  if (m.sender() < 0 || m.sender() >= static_cast<int>(s.n) || m.sender() == s.self) {
    s.Drop("unknown_sender", m.sender());
    return;
  }
  if (m.sender() == s.Primary(s.view)) s.last_from_primary = s.now;
  const pb::Body& body = m.body();
  switch (body.kind_case()) {
    case pb::Body::kPrePrepare:
      s.OnPrePrepare(m);
      break;
    case pb::Body::kPrepare:
      s.OnPrepare(m);
      break;
    case pb::Body::kCommit:
      s.OnCommit(m);
      break;
    case pb::Body::kCheckpoint:
      s.OnCheckpoint(m);
      break;
    case pb::Body::kViewChange:
      s.OnViewChange(m);
      break;
    case pb::Body::kNewView:
      s.OnNewView(m);
      break;
    case pb::Body::kForward:
      s.OnForward(m);
      break;
    case pb::Body::kStatus:
      s.OnStatus(m);
      break;
    case pb::Body::KIND_NOT_SET:
      s.Drop("malformed", m.sender());
      break;
  }
  s.Progress();
}

Status Replica::Propose(const ledger::Entry& entry, Now now) {
  Result<ledger::EntryFacts> facts = ledger::FactsOfEntry(s_->genesis, entry);
  if (!facts.ok()) return Status::Error("bad_deposit", "statement does not parse for this chain");
  return Propose(ClientDeposit{entry,
                               facts->statement_hash,
                               {std::move(facts->depositor), std::move(facts->nonce)},
                               facts->digest},
                 now);
}

Status Replica::Propose(ClientDeposit deposit, Now now) {
  State& s = *s_;
  s.SetNow(now);
  const Hash32& id = deposit.id;
  if (s.IsCommittedId(id)) {
    return Status::Error("already_committed", "deposit is already committed");
  }
  if (s.pool.Contains(id)) return Status::Ok();
  if (s.NonceCommittedByOther(deposit.nonce, id)) {
    return Status::Error("nonce_conflict", "another deposit of this depositor holds the nonce");
  }
  // At a backup, every replica gets the deposit and starts its request timer, so a censoring
  // primary is replaced by a quorum (not by a lone replica) and any next primary holds it.
  // Deposits proposed together travel in one FORWARD (see FlushForwards). The primary's own
  // clients' deposits reach the backups in its PRE-PREPARE instead, and each backup pools them
  // there (AcceptPrePrepare): sent twice, each cost every backup a second decode and check.
  // What the primary still holds unproposed after view_change_timeout/2 goes out in
  // Retransmit's FORWARD, and a view change hands its pool to the next primary.
  if (!s.IsPrimary() || s.view_changing) s.to_forward.push_back(deposit.entry);
  s.pool.Add(std::move(deposit.entry), id, std::move(deposit.nonce), s.now, deposit.digest);
  // The block cut runs once per Ready (TakeReady), not once per deposit: a host proposing a
  // client batch of thousands would otherwise scan the pool thousands of times.
  s.cut_requested = true;
  return Status::Ok();
}

void Replica::Tick(Now clocks) {
  State& s = *s_;
  s.SetNow(clocks);
  const UnixMillis now = s.now;
  if (s.view_entered_at == 0) s.view_entered_at = now;
  if (s.view_changing && s.my_view_change_wire.empty() && s.MayChangeTo(s.view))
    s.SendViewChange("restart");  // after a restart
  s.MaybeCutBlock();
  s.CheckTimers();
  if (now >= s.next_status) {
    s.next_status = now + std::max<uint32_t>(10, s.genesis.params.view_change_timeout_ms / 4);
    s.Retransmit();
  }
  s.Progress();
}

void Replica::PeerConnected(int peer, Now now) {
  if (peer < 0 || peer >= static_cast<int>(s_->n) || peer == s_->self) return;
  s_->SetNow(now);
  s_->SendStatus(peer);
}

size_t Replica::StepFetchedBlocks(const std::vector<CommittedBlock>& blocks, Now now) {
  s_->SetNow(now);
  size_t applied = s_->ApplyFetched(blocks);
  s_->Progress();
  return applied;
}

bool Replica::HasReady() const {
  return s_->state_dirty || !s_->ready.empty() || !s_->to_forward.empty() || s_->cut_requested;
}

// One FORWARD per max_batch deposits received since the last Ready (not one per deposit).
void Replica::State::FlushForwards() {
  pb::Body fwd;
  for (const ledger::Entry& e : to_forward) {
    ToProto(e, fwd.mutable_forward()->add_entries());
    if (fwd.forward().entries_size() >= static_cast<int>(genesis.params.max_batch)) {
      Send(kBroadcast, fwd);
      fwd.Clear();
    }
  }
  if (fwd.forward().entries_size() > 0) Send(kBroadcast, fwd);
  to_forward.clear();
}

Ready Replica::TakeReady() {
  State& s = *s_;
  if (s.cut_requested) {
    s.cut_requested = false;
    s.MaybeCutBlock();
    s.Progress();
  }
  s.FlushForwards();
  bool wrote_state = false;
  if (s.state_dirty) {
    pb::ReplicaState st;
    st.set_view(s.view);
    st.set_view_changing(s.view_changing);
    st.set_view_change_attempts(s.pacemaker.level());
    st.set_stable_seq(s.stable_seq);
    st.set_stable_digest(HashBytes(s.stable_digest));
    for (const std::string& w : s.stable_proof) st.add_stable_proof(w);
    st.set_new_view(s.new_view_wire);
    if (s.amnesic && s.amnesia_bounds_known) {
      st.set_withhold_votes_to_seq(s.amnesia_seq);
      st.set_withhold_view_changes_to_view(s.amnesia_view);
    }
    // The state record goes first: a NEW-VIEW's pre-prepares are only meaningful in its view.
    s.ready.persist.insert(s.ready.persist.begin(), ConsensusRecords::StateRecord(st));
    s.state_dirty = false;
    wrote_state = true;
  }
  s.handed_out_ids.insert(s.unapplied_ids.begin(), s.unapplied_ids.end());
  s.unapplied_ids.clear();
  s.handed_out_nonces.insert(s.unapplied_nonces.begin(), s.unapplied_nonces.end());
  s.unapplied_nonces.clear();
  Ready out = std::move(s.ready);
  s.ready = Ready();
  // A Ready that only records messages received (votes, mostly, or a pre-prepare this replica
  // does not vote on yet) acts on none of them: no protocol message of ours (a STATUS or FORWARD
  // says nothing about them), no committed block, no state record. Such records wait for the
  // next Ready that acts and go, first, into its synced batch, still before anything it sends. A
  // crash in between loses only messages this replica never acted on: to the protocol they never
  // arrived. Per block, a backup's votes then take three synced writes (its
  // PREPARE, its COMMIT, the commit) instead of one per vote (docs/protocol.md "Persistence").
  if (!s.deferred_persist.empty()) {
    out.persist.insert(out.persist.begin(), std::make_move_iterator(s.deferred_persist.begin()),
                       std::make_move_iterator(s.deferred_persist.end()));
    s.deferred_persist.clear();
  }
  const bool acts = wrote_state || !out.committed.empty() || out.fetch || !out.events.empty() ||
                    std::any_of(out.messages.begin(), out.messages.end(), [](const Outgoing& m) {
                      const pb::Body::KindCase kind = PeekKind(m.wire);
                      return kind != pb::Body::kStatus && kind != pb::Body::kForward;
                    });
  if (!acts && out.persist.size() < kMaxDeferredPersistOps) {
    s.deferred_persist = std::move(out.persist);
    out.persist.clear();
  }
  return out;
}

void Replica::Advance() {
  s_->handed_out_ids.clear();
  s_->handed_out_nonces.clear();
}

int Replica::self() const { return s_->self; }
uint64_t Replica::view() const { return s_->view; }
bool Replica::view_changing() const { return s_->view_changing; }
int Replica::primary() const { return s_->Primary(s_->view); }
uint64_t Replica::committed_height() const { return s_->tip.height; }
const Hash32& Replica::committed_hash() const { return s_->tip.hash; }
uint64_t Replica::stable_checkpoint() const { return s_->stable_seq; }
size_t Replica::pending() const { return s_->pool.size(); }
bool Replica::abstaining() const {
  const State& s = *s_;
  return s.amnesic && (!s.amnesia_bounds_known || s.tip.height < s.amnesia_seq);
}
bool Replica::checking_empty_data_dir() const { return s_->empty_dir_check; }
bool Replica::IsPending(const Hash32& evidence_id) const { return s_->pool.Contains(evidence_id); }
const std::map<std::string, uint64_t>& Replica::dropped() const { return s_->dropped; }
std::optional<int64_t> Replica::NextCutDue() const {
  const State& s = *s_;
  if (!s.IsPrimary() || s.view_changing || s.tip.height < s.stable_seq) return std::nullopt;
  const State::InFlightEnd end = s.OwnInFlightEnd();
  // As MaybeCutBlock estimates: deposits pooled beyond those of the blocks in flight.
  if (s.pool.size() <= end.entries) return std::nullopt;
  const UnixMillis due = s.CutDueAt(end.next_seq == s.tip.height + 1);
  if (due <= s.now) return std::nullopt;  // due already: the last call cut, or could not
  return due;
}

const std::map<std::string, uint64_t>& Replica::statement_parses() const {
  return s_->statement_parses;
}

}  // namespace evchain::consensus
