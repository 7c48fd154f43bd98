// View changes (Castro-Liskov §4.4) and their liveness rules (§4.5.2). docs/protocol.md
// "View change" gives the argument why the blocks chosen for NEW-VIEW are safe in a hash chain.
#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "consensus/replica_state.h"

namespace evchain::consensus {
namespace {

Status Bad(std::string why) { return Status::Error("bad_view_change", std::move(why)); }

// The blocks NEW-VIEW re-proposes, computed from a quorum of checked VIEW-CHANGE messages.
struct NewViewPlan {
  uint64_t min_s = 0;
  Hash32 min_digest{};
  std::vector<std::string> min_proof;
  std::vector<pb::PrePrepare> chosen;  // heights min_s+1, min_s+2, ... (original views)
};

// min-s = the highest stable checkpoint among the view-changes. For each later height take the
// prepared certificate of the highest view; stop at the first height without one or whose block
// does not chain onto the block chosen below it (neither can have committed, see docs).
NewViewPlan PlanNewView(const genesis::Genesis& g, const std::vector<pb::ViewChange>& vcs) {
  NewViewPlan plan;
  plan.min_digest = g.hash;
  const pb::ViewChange* top = nullptr;
  for (const pb::ViewChange& vc : vcs) {
    if (top == nullptr || vc.stable_seq() > top->stable_seq()) top = &vc;
  }
  if (top != nullptr && top->stable_seq() > 0) {
    plan.min_s = top->stable_seq();
    ToHash(top->stable_digest(), &plan.min_digest);
    plan.min_proof.assign(top->checkpoint_proof().begin(), top->checkpoint_proof().end());
  }
  // Every certificate was checked (CheckViewChange) before it got here: parse each once, keep
  // the highest view per height. (Re-verifying per height made this quadratic in the window,
  // with block-sized messages, on the consensus thread.)
  std::map<uint64_t, pb::PrePrepare> highest;
  for (const pb::ViewChange& vc : vcs) {
    for (const pb::PreparedCertificate& cert : vc.prepared()) {
      pb::Envelope env;
      pb::Body body;
      if (!env.ParseFromString(cert.pre_prepare()) || !body.ParseFromString(env.body()) ||
          !body.has_pre_prepare()) {
        continue;
      }
      const uint64_t seq = body.pre_prepare().header().height();
      if (seq <= plan.min_s || seq > plan.min_s + g.params.watermark_window) continue;
      auto it = highest.find(seq);
      if (it == highest.end() || body.pre_prepare().view() > it->second.view()) {
        highest[seq] = std::move(*body.mutable_pre_prepare());
      }
    }
  }
  Hash32 prev = plan.min_digest;
  for (uint64_t s = plan.min_s + 1; s <= plan.min_s + g.params.watermark_window; ++s) {
    auto it = highest.find(s);
    if (it == highest.end()) break;
    std::optional<pb::PrePrepare> best = std::move(it->second);
    Result<ledger::BlockHeader> header = FromProto(g.chain_id, best->header());
    if (!header.ok() || header->prev_hash != prev) break;
    prev = header->Hash();
    plan.chosen.push_back(std::move(*best));
  }
  return plan;
}

}  // namespace

void Replica::State::StartViewChange(uint64_t new_view, const char* reason) {
  if (new_view <= view && (view_changing || new_view < view)) return;
  if (new_view == view && !view_changing) return;
  view = new_view;
  view_changing = true;
  pacemaker.ViewChangeStarted();
  view_change_deadline = 0;  // armed by CheckTimers once a quorum of replicas is changing
  progress_deadline = 0;
  SendViewChange(reason);
}

// VIEW-CHANGE for `view` (the target while changing). Also re-sent after a restart in the middle
// of a view change: the restored log holds every prepared certificate the first one carried.
void Replica::State::SendViewChange(const char* reason) {
  const uint64_t new_view = view;
  // Restored from a backup, or its data lost: it may have sent a VIEW-CHANGE for this view
  // before, with other contents. It changes view silently (NEW-VIEW from the others brings it in).
  if (!MayChangeTo(new_view)) {
    PersistState();
    Event e;
    e.kind = Event::Kind::kViewChangeStarted;
    e.view = new_view;
    e.detail =
        std::string(reason) + (empty_dir_check ? ", withheld: checking an empty data directory"
                                               : ", withheld: restored from a backup");
    ready.events.push_back(std::move(e));
    return;
  }
  pb::Body body;
  pb::ViewChange* vc = body.mutable_view_change();
  vc->set_new_view(new_view);
  vc->set_stable_seq(stable_seq);
  vc->set_stable_digest(std::string(stable_digest.begin(), stable_digest.end()));
  for (const std::string& w : stable_proof) vc->add_checkpoint_proof(w);
  // P: for every height above h, the prepared certificate of the highest view.
  for (const auto& [seq, views] : log.by_seq()) {
    for (auto it = views.rbegin(); it != views.rend(); ++it) {
      const uint64_t v = it->first;
      if (v >= new_view || !Prepared(seq, v)) continue;
      const ViewSlot& slot = it->second;
      pb::PreparedCertificate* cert = vc->add_prepared();
      cert->set_pre_prepare(slot.pre_prepare->wire);
      for (const auto& [sender, vote] : slot.prepares) {
        if (sender == Primary(v) || vote.digest != slot.pre_prepare->digest) continue;
        cert->add_prepares(vote.wire);
        if (static_cast<size_t>(cert->prepares_size()) + 1 == quorum) break;
      }
      break;
    }
  }
  my_view_change_wire = SignAndSend(kBroadcast, body);
  auto& mine = view_changes[new_view];
  mine[self] = ReceivedViewChange{my_view_change_wire, *vc};
  PersistState();
  Event e;
  e.kind = Event::Kind::kViewChangeStarted;
  e.view = new_view;
  e.detail = reason;
  ready.events.push_back(std::move(e));
  MaybeSendNewView();
}

Status CheckViewChange(const genesis::Genesis& genesis, const pb::ViewChange& vc) {
  const uint64_t window = genesis.params.watermark_window;
  const size_t quorum = genesis.quorum();
  const auto Primary = [n = genesis.n()](uint64_t v) { return static_cast<int>(v % n); };
  Hash32 stable;
  if (!ToHash(vc.stable_digest(), &stable)) return Bad("stable digest");
  if (vc.stable_seq() == 0) {
    if (stable != genesis.hash) return Bad("stable digest at 0 is not the genesis hash");
  } else {
    std::set<int> signers;
    for (const std::string& w : vc.checkpoint_proof()) {
      Result<Message> m = VerifyEnvelope(genesis, w);
      if (!m.ok() || !m->body().has_checkpoint()) return Bad("checkpoint proof envelope");
      const pb::Checkpoint& c = m->body().checkpoint();
      if (c.seq() != vc.stable_seq() || c.digest() != vc.stable_digest()) {
        return Bad("checkpoint proof does not match");
      }
      signers.insert(m->sender());
    }
    if (signers.size() < quorum) return Bad("checkpoint proof without quorum");
  }
  std::set<uint64_t> seqs;
  for (const pb::PreparedCertificate& cert : vc.prepared()) {
    Result<Message> m = VerifyEnvelope(genesis, cert.pre_prepare());
    if (!m.ok() || !m->body().has_pre_prepare()) return Bad("prepared pre-prepare envelope");
    const pb::PrePrepare& pp = m->body().pre_prepare();
    const uint64_t seq = pp.header().height();
    if (m->sender() != Primary(pp.view())) return Bad("pre-prepare not from its primary");
    if (pp.view() >= vc.new_view()) return Bad("certificate from a future view");
    if (seq <= vc.stable_seq() || seq > vc.stable_seq() + window) return Bad("outside window");
    if (!seqs.insert(seq).second) return Bad("two certificates for one height");
    Result<ledger::BlockHeader> header = FromProto(genesis.chain_id, pp.header());
    if (!header.ok()) return Bad("header");
    const Hash32 digest = header->Hash();
    std::set<int> signers;
    for (const std::string& w : cert.prepares()) {
      Result<Message> pm = VerifyEnvelope(genesis, w);
      if (!pm.ok() || !pm->body().has_prepare()) return Bad("prepare envelope");
      const pb::Prepare& p = pm->body().prepare();
      if (pm->sender() == Primary(pp.view()) || p.view() != pp.view() || p.seq() != seq ||
          p.digest() != std::string(digest.begin(), digest.end())) {
        return Bad("prepare does not match");
      }
      signers.insert(pm->sender());
    }
    if (signers.size() + 1 < quorum) return Bad("prepared certificate without quorum-1 prepares");
  }
  return Status::Ok();
}

void Replica::State::OnViewChange(const Message& m) {
  const pb::ViewChange& vc = m.body().view_change();
  const int sender = m.sender();
  if (vc.new_view() < view || (vc.new_view() == view && !view_changing)) {
    // The sender is behind: the NEW-VIEW of our view brings it over.
    if (vc.new_view() <= view && !view_changing && !new_view_wire.empty() && MayResend(sender)) {
      ready.messages.push_back(Outgoing{sender, new_view_wire});
    }
    return;
  }
  // Keep only each sender's highest view-change (bounded memory).
  for (const auto& [v, by_sender] : view_changes) {
    if (v >= vc.new_view() && by_sender.count(sender)) return;
  }
  // The host checked the certificates off this thread (VerifyContents); messages it did not
  // check (restored ones) are checked here.
  if (!m.certificates_checked() && !CheckViewChange(genesis, vc).ok()) {
    return Drop("bad_view_change", sender);
  }
  for (auto& [v, by_sender] : view_changes) by_sender.erase(sender);
  view_changes[vc.new_view()][sender] = ReceivedViewChange{m.wire(), vc};
  // §4.5.2: f+1 view-changes for higher views prove a correct replica timed out; join the
  // smallest of them so we do not wait for our own timer.
  std::set<int> higher;
  uint64_t smallest = UINT64_MAX;
  for (const auto& [v, by_sender] : view_changes) {
    if (v <= view) continue;
    for (const auto& entry : by_sender) higher.insert(entry.first);
    if (!by_sender.empty()) smallest = std::min(smallest, v);
  }
  if (higher.size() >= f + 1) StartViewChange(smallest, "f_plus_one_ahead");
  MaybeSendNewView();
}

void Replica::State::MaybeSendNewView() {
  if (!view_changing || Primary(view) != self) return;
  auto it = view_changes.find(view);
  if (it == view_changes.end() || it->second.size() < quorum || !it->second.count(self)) {
    return;
  }
  std::vector<pb::ViewChange> vcs;
  pb::Body body;
  pb::NewView* nv = body.mutable_new_view();
  nv->set_view(view);
  for (const auto& [sender, rvc] : it->second) {
    if (vcs.size() == quorum) break;
    vcs.push_back(rvc.vc);
    nv->add_view_changes(rvc.wire);
  }
  NewViewPlan plan = PlanNewView(genesis, vcs);
  std::vector<SignedPrePrepare> pre_prepares;
  for (pb::PrePrepare& pp : plan.chosen) {
    pp.set_view(view);
    pb::Body ppb;
    *ppb.mutable_pre_prepare() = pp;
    std::string pp_wire = SignEnvelope(genesis, self, key, ppb);
    nv->add_pre_prepares(pp_wire);
    pre_prepares.push_back({std::move(pp_wire), std::move(pp)});
  }
  std::string wire = SignAndSend(kBroadcast, body);
  if (plan.min_s > stable_seq) MarkStable(plan.min_s, plan.min_digest, plan.min_proof);
  InstallNewView(view, wire, pre_prepares);
}

// Senders (this replica included) of view-changes for views >= `v`.
size_t Replica::State::ViewChangersAtLeast(uint64_t v) const {
  std::set<int> senders;
  for (auto it = view_changes.lower_bound(v); it != view_changes.end(); ++it) {
    for (const auto& entry : it->second) senders.insert(entry.first);
  }
  return senders.size();
}

void Replica::State::OnNewView(const Message& m) {
  const pb::NewView& nv = m.body().new_view();
  if (nv.view() < view || (nv.view() == view && !view_changing)) return;
  if (m.sender() != Primary(nv.view())) return Drop("not_primary", m.sender());
  std::vector<pb::ViewChange> vcs;
  std::set<int> senders;
  auto known = view_changes.find(nv.view());
  for (const std::string& w : nv.view_changes()) {
    Result<Message> vm = VerifyEnvelope(genesis, w);
    if (!vm.ok() || !vm->body().has_view_change()) return Drop("bad_new_view", m.sender());
    const pb::ViewChange& vc = vm->body().view_change();
    if (vc.new_view() != nv.view() || !senders.insert(vm->sender()).second) {
      return Drop("bad_new_view", m.sender());
    }
    // Checked by the host (VerifyContents), or byte-identical to one this replica checked.
    bool checked = m.certificates_checked();
    if (known != view_changes.end()) {
      auto r = known->second.find(vm->sender());
      checked = r != known->second.end() && r->second.wire == w;
    }
    if (!checked && !CheckViewChange(genesis, vc).ok()) {
      return Drop("bad_new_view", m.sender());
    }
    vcs.push_back(vc);
  }
  if (senders.size() < quorum) return Drop("bad_new_view", m.sender());
  // Recompute O from V and compare: a primary cannot choose other blocks.
  NewViewPlan plan = PlanNewView(genesis, vcs);
  if (static_cast<size_t>(nv.pre_prepares_size()) != plan.chosen.size()) {
    return Drop("bad_new_view", m.sender());
  }
  std::vector<SignedPrePrepare> pre_prepares;
  for (size_t i = 0; i < plan.chosen.size(); ++i) {
    Result<Message> pm = VerifyEnvelope(genesis, nv.pre_prepares(static_cast<int>(i)));
    if (!pm.ok() || pm->sender() != m.sender() || !pm->body().has_pre_prepare()) {
      return Drop("bad_new_view", m.sender());
    }
    pb::PrePrepare expected = plan.chosen[i];
    expected.set_view(nv.view());
    if (pm->body().pre_prepare().SerializeAsString() != expected.SerializeAsString()) {
      return Drop("bad_new_view", m.sender());
    }
    pre_prepares.push_back({pm->wire(), pm->body().pre_prepare()});
  }
  if (plan.min_s > stable_seq) MarkStable(plan.min_s, plan.min_digest, plan.min_proof);
  InstallNewView(nv.view(), m.wire(), pre_prepares);
}

void Replica::State::InstallNewView(uint64_t v, const std::string& nv_wire,
                                    const std::vector<SignedPrePrepare>& pre_prepares) {
  view = v;
  view_changing = false;
  installed_view = v;
  committed_reproposals.clear();  // the last view's: their slots are of that view
  // The pacemaker's level stays: it comes down with commits in this view (ApplyCommitted), so a
  // view change that installs a view where blocks still do not commit in time waits longer next
  // time.
  view_entered_at = now;
  progress_deadline = 0;
  new_view_wire = nv_wire;
  my_view_change_wire.clear();
  last_cut = 0;
  PersistState();
  view_changes.erase(view_changes.begin(), view_changes.upper_bound(v));
  Event e;
  e.kind = Event::Kind::kViewChanged;
  e.view = v;
  ready.events.push_back(std::move(e));
  for (const SignedPrePrepare& signed_pp : pre_prepares) {
    const uint64_t seq = signed_pp.body.header().height();
    if (seq > tip.height) {
      BufferPrePrepare(Primary(v), signed_pp.wire, signed_pp.body, true);
      continue;
    }
    // A block this replica has committed: kept to vote on (VoteOnCommittedReproposals) if it is
    // the one committed here; a NEW-VIEW cannot carry another with <= f faults.
    auto committed = committed_hashes.find(seq);
    if (committed == committed_hashes.end()) continue;
    std::optional<Proposal> p = DecodeProposal(genesis, signed_pp.wire, signed_pp.body, false);
    if (!p || p->digest != committed->second) continue;
    ViewSlot& slot = Slot(seq, v);
    if (!slot.pre_prepare) {
      slot.pre_prepare = std::move(*p);
      PersistMessage(seq, signed_pp.wire);
    }
    committed_reproposals.insert(seq);
  }
  TryAcceptBuffered();
  if (tip.height < stable_seq) MaybeFetch();
  // Hand this replica's pending deposits to the new primary (§4.4: requests are re-sent).
  if (!IsPrimary() && !pool.empty()) {
    pb::Body fwd;
    pool.VisitOldestFirst([&](const Hash32&, RequestPool::Item& item) {
      item.last_forward = now;
      ToProto(item.entry, fwd.mutable_forward()->add_entries());
      if (fwd.forward().entries_size() >= static_cast<int>(genesis.params.max_batch)) {
        Send(Primary(v), fwd);
        fwd.Clear();
      }
      return true;
    });
    if (fwd.forward().entries_size() > 0) Send(Primary(v), fwd);
  }
  MaybeCutBlock();
}

}  // namespace evchain::consensus
