#include "tests/consensus/sim.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "common/encoding.h"
#include "consensus/block_check.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "ledger/block.h"
#include "ledger/certificate.h"
#include "ledger/statement.h"

namespace evchain::consensus::sim {
namespace {

std::unique_ptr<crypto::SecretKey> KeyFromSeed(uint64_t a, uint64_t b) {
  Bytes seed;
  PutU64BE(seed, a);
  PutU64BE(seed, b);
  Hash32 h = crypto::Sha256(ByteView(seed));
  return std::make_unique<crypto::SecretKey>(crypto::SecretKey::FromSeed(ByteView(h)));
}

std::string KindName(const pb::Body& b) {
  switch (b.kind_case()) {
    case pb::Body::kPrePrepare:
      return "PRE-PREPARE(v=" + std::to_string(b.pre_prepare().view()) +
             ",n=" + std::to_string(b.pre_prepare().header().height()) + ")";
    case pb::Body::kPrepare:
      return "PREPARE(v=" + std::to_string(b.prepare().view()) +
             ",n=" + std::to_string(b.prepare().seq()) + ")";
    case pb::Body::kCommit:
      return "COMMIT(v=" + std::to_string(b.commit().view()) +
             ",n=" + std::to_string(b.commit().seq()) + ")";
    case pb::Body::kCheckpoint:
      return "CHECKPOINT(n=" + std::to_string(b.checkpoint().seq()) + ")";
    case pb::Body::kViewChange:
      return "VIEW-CHANGE(v=" + std::to_string(b.view_change().new_view()) + ")";
    case pb::Body::kNewView:
      return "NEW-VIEW(v=" + std::to_string(b.new_view().view()) + ")";
    case pb::Body::kForward:
      return "FORWARD(" + std::to_string(b.forward().entries_size()) + ")";
    case pb::Body::kStatus:
      return "STATUS";
    default:
      return "?";
  }
}

}  // namespace

Simulation::Simulation(const Options& options) : opt_(options), rng_(options.seed) {
  genesis_.chain_id = "sim";
  genesis_.genesis_time = kStart - 1000;
  genesis_.params.max_batch = opt_.max_batch;
  genesis_.params.block_interval_ms = opt_.block_interval_ms;
  genesis_.params.max_clock_skew_ms = 1000;
  genesis_.params.view_change_timeout_ms = 300;
  genesis_.params.request_timeout_ms = 600;
  genesis_.params.checkpoint_interval = 4;
  genesis_.params.watermark_window = 16;
  nodes_.resize(opt_.n);
  for (int i = 0; i < opt_.n; ++i) {
    nodes_[i].key = KeyFromSeed(1, i);
    genesis::Validator v;
    v.id = "v" + std::to_string(i);
    v.role = i == opt_.n - 1 ? genesis::Role::kTime : genesis::Role::kCourt;
    v.public_key = nodes_[i].key->public_key();
    v.p2p = "127.0.0.1:" + std::to_string(7000 + i);
    v.http = "127.0.0.1:" + std::to_string(8000 + i);
    genesis_.validators.push_back(v);
  }
  depositor_key_ = KeyFromSeed(2, 0);
  genesis_.depositors.push_back({"platform", "Sim platform", depositor_key_->public_key()});
  genesis_.hash = crypto::Sha256(genesis::CanonicalGenesisJson(genesis_));
  for (int i = 0; i < opt_.n; ++i) StartReplica(i);
}

Simulation::~Simulation() = default;

void Simulation::Log(const std::string& line) {
  if (!opt_.verbose) return;
  std::ostringstream os;
  os << "[" << now_ << "ms] " << line;
  transcript_.push_back(os.str());
}

void Simulation::Fail(const std::string& why) {
  if (failure_.empty()) failure_ = "t=" + std::to_string(now_) + "ms: " + why;
}

void Simulation::Schedule(UnixMillis at, std::function<void()> run) {
  queue_.push(Item{at, order_++, std::move(run)});
}

void Simulation::StartReplica(int i, std::optional<RestoredFromBackup> from_backup) {
  Node& node = nodes_[i];
  node.fetch_target = 0;  // a restarted host has no transfer running
  RestoredState restored;
  restored.records = node.records;
  restored.tip = TipOf(i);
  // As the node does: the marker stays on disk until the bounds are known, so a crash before
  // then restarts a restored replica again.
  if (node.empty_dir_record && !node.chain.empty()) {
    node.empty_dir_record = false;
    node.restore_marker = true;
  }
  if (!from_backup && node.restore_marker) from_backup = RestoredFromBackup{};
  restored.from_backup = from_backup;
  restored.empty_data_dir = node.empty_dir_record && !from_backup;
  node.replica =
      std::make_unique<Replica>(genesis_, i, *node.key, std::move(restored), &node.index);
  for (auto it = node.journal.begin(); it != node.journal.end();) {
    const Status s = node.replica->Propose(it->second, NowOf(i));
    Log("RESUME " + ToHex(it->first).substr(0, 8) + " -> v" + std::to_string(i) + ": " +
        s.ToString());
    it = s.ok() ? std::next(it) : node.journal.erase(it);  // committed meanwhile
  }
}

ChainTip Simulation::TipOf(int i) const {
  const Node& node = nodes_[i];
  ChainTip tip;
  if (node.chain.empty()) return tip;
  const CommittedBlock& last = node.chain.back();
  tip.height = last.header.height;
  tip.hash = last.hash;
  tip.time = last.header.time;
  tip.log_size = last.header.log_size;
  tip.frontier = node.frontier.hashes();
  return tip;
}

void Simulation::SetByzantine(int node, uint32_t behaviours) {
  nodes_[node].byzantine = behaviours;
}

void Simulation::Crash(int node, UnixMillis at) {
  Schedule(at, [this, node]() {
    if (!nodes_[node].replica) return;
    Log("CRASH v" + std::to_string(node));
    nodes_[node].replica.reset();
    nodes_[node].DropHostState();  // a busy host's pending task finds no replica and stops
  });
}

void Simulation::CrashMidReady(int node, UnixMillis at) {
  Schedule(at, [this, node]() {
    if (nodes_[node].replica) nodes_[node].crash_after_persist = true;
  });
}

void Simulation::SetClockOffset(int node, UnixMillis offset, UnixMillis at) {
  Schedule(at, [this, node, offset]() {
    Log("CLOCK v" + std::to_string(node) + " offset " + std::to_string(offset) + " ms");
    nodes_[node].clock_offset = offset;
  });
}

void Simulation::Restart(int node, UnixMillis at) {
  Schedule(at, [this, node]() {
    if (nodes_[node].replica) {
      nodes_[node].crash_after_persist = false;  // an armed CrashMidReady found no Ready
      return;
    }
    Log("RESTART v" + std::to_string(node) + " from " +
        std::to_string(nodes_[node].records.size()) + " records, height " +
        std::to_string(nodes_[node].chain.size()));
    StartReplica(node);
    Drain(node);
  });
}

void Simulation::RestoreFromBackup(int node, UnixMillis backup_at, UnixMillis restore_at,
                                   bool marker) {
  struct Backup {
    std::map<std::string, std::string> records;
    std::map<Hash32, ledger::Entry> journal;
    std::vector<CommittedBlock> chain;
    SetIndex index;
    crypto::MerkleFrontier frontier;
    bool empty_dir_record = false;
  };
  auto backup = std::make_shared<Backup>();
  Schedule(backup_at, [this, node, backup]() {
    const Node& n = nodes_[node];
    *backup = Backup{n.records, n.journal, n.chain, n.index, n.frontier, n.empty_dir_record};
    Log("BACKUP v" + std::to_string(node) + " at height " + std::to_string(n.chain.size()));
  });
  Schedule(restore_at, [this, node, backup, marker]() {
    Node& n = nodes_[node];
    n.replica.reset();
    n.DropHostState();
    n.records = backup->records;
    n.journal = backup->journal;
    n.chain = backup->chain;
    n.index = backup->index;
    n.frontier = backup->frontier;
    n.empty_dir_record = marker && backup->empty_dir_record;  // a node of before either
    n.restore_marker = marker;
    Log("RESTORE v" + std::to_string(node) + " from its backup at height " +
        std::to_string(n.chain.size()) + (marker ? "" : " (marker ignored)"));
    StartReplica(node,
                 marker ? std::optional<RestoredFromBackup>(RestoredFromBackup{}) : std::nullopt);
    Drain(node);
  });
}

void Simulation::LoseData(int node, UnixMillis at, bool record) {
  Schedule(at, [this, node, record]() {
    Node& n = nodes_[node];
    n.replica.reset();
    n.DropHostState();
    n.records.clear();
    n.journal.clear();
    n.chain.clear();
    n.index = SetIndex();
    n.frontier = crypto::MerkleFrontier();
    n.restore_marker = false;
    n.empty_dir_record = record;
    Log("DATA LOST v" + std::to_string(node) + (record ? "" : " (started as a new validator)"));
    StartReplica(node);
    Drain(node);
  });
}

void Simulation::Partition(std::vector<int> group, UnixMillis from, UnixMillis until) {
  partitions_.push_back({std::set<int>(group.begin(), group.end()), from, until});
}

bool Simulation::Connected(int a, int b) const {
  for (const PartitionSpec& p : partitions_) {
    if (now_ >= p.from && now_ < p.until && (p.group.count(a) != p.group.count(b))) return false;
  }
  return true;
}

void Simulation::Inject(int from, const pb::Body& body, UnixMillis at) {
  Schedule(at, [this, from, body]() {
    const std::string wire = SignEnvelope(genesis_, from, *nodes_[from].key, body);
    for (int to = 0; to < opt_.n; ++to) {
      if (to != from) Deliver(from, to, wire);
    }
  });
}

void Simulation::InjectReframed(int from, const pb::Body& body, UnixMillis at,
                                std::function<std::string(const std::string&)> reframe) {
  Schedule(at, [this, from, body, reframe = std::move(reframe)]() {
    const std::string wire = reframe(SignEnvelope(genesis_, from, *nodes_[from].key, body));
    for (int to = 0; to < opt_.n; ++to) {
      if (to != from) Deliver(from, to, wire);
    }
  });
}

pb::Body PrePrepareOf(const CheckedBlock& block) {
  pb::Body body;
  pb::PrePrepare* pp = body.mutable_pre_prepare();
  pp->set_view(block.header.view);
  ToProto(block.header, pp->mutable_header());
  for (const ledger::Entry& e : block.entries) ToProto(e, pp->add_entries());
  return body;
}

ledger::Entry Simulation::SignedDeposit(const std::string& nonce,
                                        const std::string& evidence) const {
  ledger::DepositStatement st;
  st.chain_id = genesis_.chain_id;
  st.depositor = "platform";
  st.digest = crypto::Sha256(evidence);
  st.nonce = nonce;
  ledger::Entry entry;
  entry.statement = st.Canonical();
  entry.signature = depositor_key_->Sign(AsBytes(entry.statement));
  return entry;
}

Hash32 Simulation::Submit(int node, UnixMillis at) {
  const uint64_t k = nonce_++;
  const std::string nonce = "n" + std::to_string(k);
  ledger::Entry entry =
      SignedDeposit(nonce, "evidence " + std::to_string(opt_.seed) + "/" + std::to_string(k));
  Hash32 id = crypto::Sha256(entry.statement);
  ++unsubmitted_;
  Schedule(at, [this, node, entry, id, nonce]() {
    --unsubmitted_;
    if (!nodes_[node].replica) return;  // the client saw a connection error
    Status s = nodes_[node].replica->Propose(entry, NowOf(node));
    Log("DEPOSIT " + ToHex(id).substr(0, 8) + " -> v" + std::to_string(node) + ": " + s.ToString());
    if (s.ok()) nodes_[node].journal.emplace(id, entry);
    if (s.ok() && Honest(node) && !contested_nonces_.count(nonce)) must_commit_.insert(id);
    Drain(node);
  });
  return id;
}

void Simulation::SubmitEntry(int node, const ledger::Entry& entry, UnixMillis at) {
  Schedule(at, [this, node, entry]() {
    if (!nodes_[node].replica) return;
    Status s = nodes_[node].replica->Propose(entry, NowOf(node));
    Log("DEPOSIT " + ToHex(crypto::Sha256(entry.statement)).substr(0, 8) + " -> v" +
        std::to_string(node) + " (may be refused): " + s.ToString());
    if (s.ok()) nodes_[node].journal.emplace(crypto::Sha256(entry.statement), entry);
    Drain(node);
  });
}

void Simulation::Drain(int i) {
  Node& node = nodes_[i];
  while (node.replica && node.replica->HasReady()) {
    Ready rd = node.replica->TakeReady();
    if (!rd.persist.empty()) ++node.persist_writes;
    for (const PersistOp& op : rd.persist) {  // 1. persist (durable before sending)
      if (op.value) {
        node.records[op.key] = *op.value;
      } else {
        node.records.erase(op.key);
      }
    }
    if (node.crash_after_persist) {  // the host dies before it sends or appends anything
      node.crash_after_persist = false;
      Log("CRASH v" + std::to_string(i) + " after persisting a Ready, before sending (" +
          std::to_string(rd.messages.size()) + " messages) and appending (" +
          std::to_string(rd.committed.size()) + " blocks)");
      node.replica.reset();
      node.DropHostState();
      return;
    }
    for (Outgoing& out : rd.messages) {  // 2. send
      for (int to = 0; to < opt_.n; ++to) {
        if (to == i || (out.to != kBroadcast && out.to != to)) continue;
        Transmit(i, to, out.wire);
      }
    }
    for (CommittedBlock& b : rd.committed) {  // 3. append
      CheckBlock(i, b);
      for (const Bytes& leaf : b.leaves) node.frontier.AppendLeafHash(crypto::LeafHash(leaf));
      for (const ledger::Entry& e : b.entries) {
        const Hash32 id = crypto::Sha256(e.statement);
        node.index.ids.insert(id);
        node.journal.erase(id);
        Result<ledger::DepositStatement> st = ledger::ParseDepositStatement(e.statement);
        if (st.ok()) node.index.nonces.emplace(DepositorNonce{st->depositor, st->nonce}, id);
      }
      Log("v" + std::to_string(i) + " COMMITTED height " + std::to_string(b.header.height) + " (" +
          std::to_string(b.entries.size()) + " entries, view " + std::to_string(b.header.view) +
          ")");
      node.chain.push_back(std::move(b));
    }
    if (rd.fetch) {  // 4. fetch
      node.fetch_target = std::max(node.fetch_target, rd.fetch->to_height);
      ServeFetch(i, *rd.fetch);
    }
    for (const Event& e : rd.events) {  // 5. events
      ++event_counts_[e.kind];
      // Each report relays both pre-prepares to every peer, and a peer that holds the other
      // one reports again: more than one report of a (view, seq) per replica is a storm that
      // grows with every relay (found 2026-12-08: a Byzantine primary of the view being
      // installed, seed 14 of n = 6 with the empty data directory's answers).
      if (e.kind == Event::Kind::kEquivocation && Honest(i) &&
          !node.equivocations_reported.emplace(e.view, e.seq).second) {
        Fail("v" + std::to_string(i) + " reported the equivocation at view " +
             std::to_string(e.view) + " seq " + std::to_string(e.seq) + " again");
      }
      if (e.kind == Event::Kind::kRestoredBoundsKnown) {
        node.restore_marker = false;
        node.empty_dir_record = false;
      }
      if (e.kind == Event::Kind::kEmptyDataDirChecked) node.empty_dir_record = false;
      if (e.kind == Event::Kind::kOwnVotesFound) {
        node.empty_dir_record = false;
        node.restore_marker = true;
      }
      {
        Log("v" + std::to_string(i) + " EVENT " + std::to_string(static_cast<int>(e.kind)) +
            " view " + std::to_string(e.view) + " seq " + std::to_string(e.seq) + " " + e.detail);
      }
    }
    node.replica->Advance();
  }
  // As the node's host does: Tick the replica when its next block cut falls due (a regular tick
  // may come later). Its mono clock is this simulation's time plus its own offset (NowOf).
  if (!node.replica) return;
  const std::optional<int64_t> due = node.replica->NextCutDue();
  if (!due) return;
  const UnixMillis at = *due - (NowOf(i).mono - now_);
  if (at == node.cut_tick_at || at <= now_) return;
  node.cut_tick_at = at;
  Schedule(at, [this, i, at] {
    Node& n = nodes_[i];
    if (!n.replica || n.cut_tick_at != at) return;
    n.cut_tick_at = -1;
    n.replica->Tick(NowOf(i));
    Drain(i);
  });
}

void Simulation::CheckBlock(int i, const CommittedBlock& b) {
  if (!Honest(i)) return;
  const Node& node = nodes_[i];
  const uint64_t expect = node.chain.size() + 1;
  if (b.header.height != expect) {
    return Fail("v" + std::to_string(i) + " committed height " + std::to_string(b.header.height) +
                " after " + std::to_string(expect - 1));
  }
  const Hash32 prev = node.chain.empty() ? genesis_.hash : node.chain.back().hash;
  if (b.header.prev_hash != prev || b.hash != b.header.Hash()) {
    return Fail("v" + std::to_string(i) + " block " + std::to_string(expect) + " does not chain");
  }
  Result<ledger::VerifiedCertificate> cert = ledger::VerifyCertificate(b.certificate, genesis_);
  if (!cert.ok() || cert->checkpoint.block_hash != b.hash ||
      cert->checkpoint.root != b.header.log_root) {
    return Fail("v" + std::to_string(i) + " block " + std::to_string(expect) +
                " certificate: " + (cert.ok() ? "mismatch" : cert.status().ToString()));
  }
  // Every block passed some honest replica's clock-skew check when it was accepted.
  // Honest clocks run at most max_clock_skew_ms / 4 from the simulation's (RandomFaults).
  const UnixMillis latest_honest_clock = clock() + genesis_.params.max_clock_skew_ms / 4;
  if (b.header.time > latest_honest_clock + genesis_.params.max_clock_skew_ms) {
    return Fail("TIME: v" + std::to_string(i) + " committed block " + std::to_string(expect) +
                " dated " + std::to_string(b.header.time - latest_honest_clock) + " ms ahead");
  }
  // A nonce names one entry of the chain (docs/protocol.md "Block validity").
  std::set<DepositorNonce> in_block;
  for (const ledger::Entry& e : b.entries) {
    Result<ledger::DepositStatement> st = ledger::ParseDepositStatement(e.statement);
    if (!st.ok()) return Fail("v" + std::to_string(i) + " committed an unparsable statement");
    const DepositorNonce nonce{st->depositor, st->nonce};
    if (!in_block.insert(nonce).second || node.index.nonces.count(nonce)) {
      return Fail("NONCE: v" + std::to_string(i) + " committed block " + std::to_string(expect) +
                  " reusing nonce " + st->nonce + " of " + st->depositor);
    }
  }
  auto [it, inserted] = canonical_.emplace(b.header.height, b.hash);
  if (!inserted && it->second != b.hash) {
    Fail("SAFETY: v" + std::to_string(i) + " committed a different block at height " +
         std::to_string(b.header.height));
  }
  std::set<Hash32> seen(node.index.ids);
  for (const ledger::Entry& e : b.entries) {
    if (!seen.insert(crypto::Sha256(e.statement)).second) {
      Fail("v" + std::to_string(i) + " committed a deposit twice");
    }
  }
}

void Simulation::Transmit(int from, int to, const std::string& wire) {
  if (Honest(from)) {  // invariant: an honest replica never signs two votes for one (v, n)
    Result<Message> m = VerifyEnvelope(genesis_, wire);
    if (m.ok() && m->sender() == from) {  // not a relay of another replica's message
      const pb::Body& b = m->body();
      std::optional<std::tuple<int, int, uint64_t, uint64_t>> k;
      std::string digest;
      if (b.has_prepare()) {
        k = {from, 0, b.prepare().view(), b.prepare().seq()};
        digest = b.prepare().digest();
      } else if (b.has_commit()) {
        k = {from, 1, b.commit().view(), b.commit().seq()};
        digest = b.commit().digest();
      } else if (b.has_pre_prepare()) {
        k = {from, 2, b.pre_prepare().view(), b.pre_prepare().header().height()};
        digest = b.pre_prepare().header().SerializeAsString();
      }
      if (k) {
        auto [it, inserted] = votes_.emplace(*k, digest);
        if (!inserted && it->second != digest) {
          Fail("SAFETY: honest v" + std::to_string(from) + " signed two different " + KindName(b));
        }
      }
    }
  }
  if (nodes_[from].byzantine && opt_.random_faults) {
    nodes_[from].sent.push_back(wire);
    if (nodes_[from].sent.size() > 64) nodes_[from].sent.erase(nodes_[from].sent.begin());
  }
  if (nodes_[from].byzantine) return Mutate(from, to, wire);
  if (drop_when_) {
    Result<Message> m = VerifyEnvelope(genesis_, wire);
    if (m.ok() && drop_when_(from, to, m->body())) return;
  }
  std::uniform_real_distribution<double> u(0, 1);
  if (u(rng_) < loss_) return;
  int copies = u(rng_) < dup_ ? 2 : 1;
  for (int c = 0; c < copies; ++c) {
    UnixMillis delay = std::uniform_int_distribution<UnixMillis>(1, max_delay_)(rng_);
    Schedule(now_ + delay, [this, from, to, wire]() { Arrive(from, to, wire); });
  }
}

void Simulation::Arrive(int from, int to, const std::string& wire) {
  if (opt_.us_per_entry.empty()) return Deliver(from, to, wire);
  Node& node = nodes_[to];
  if (!node.replica || !Connected(from, to)) return;
  // Classify as the host does, from the envelope alone (no signature check yet).
  pb::Envelope env;
  pb::Body body;
  bool forward = false;
  std::vector<Hash32> deposits;
  if (env.ParseFromString(wire) && body.ParseFromString(env.body())) {
    forward = body.has_forward();
    for (const pb::Deposit& d : forward ? body.forward().entries() : body.pre_prepare().entries()) {
      deposits.push_back(crypto::Sha256(d.SerializeAsString()));
    }
  }
  const bool small = deposits.empty();
  (small     ? node.small
   : forward ? node.forwards
             : node.urgent)
      .push_back(Node::Arrival{from, wire, ClockOf(to), std::move(deposits)});
  if (!(small ? node.busy_small : node.busy)) StartNextArrival(to, small);
}

void Simulation::StartNextArrival(int to, bool small) {
  Node& node = nodes_[to];
  std::deque<Node::Arrival>& q =
      small ? node.small : (!node.urgent.empty() ? node.urgent : node.forwards);
  bool& busy = small ? node.busy_small : node.busy;
  if (!node.replica || q.empty()) {
    busy = false;
    return;
  }
  busy = true;
  Node::Arrival a = std::move(q.front());
  q.pop_front();
  size_t fresh = 0;
  for (const Hash32& d : a.deposits) fresh += node.checked.insert(d).second ? 1 : 0;
  const uint64_t us = opt_.us_per_message + opt_.us_per_entry[to] * fresh;
  const UnixMillis cost = static_cast<UnixMillis>((us + 999) / 1000);
  Schedule(now_ + cost, [this, to, small, a = std::move(a)]() {
    Deliver(a.from, to, a.wire, a.arrived);
    StartNextArrival(to, small);
  });
}

void Simulation::Mutate(int from, int to, const std::string& wire) {
  Node& node = nodes_[from];
  std::uniform_real_distribution<double> u(0, 1);
  auto send = [&](const std::string& w) {
    UnixMillis delay = std::uniform_int_distribution<UnixMillis>(1, max_delay_)(rng_);
    Schedule(now_ + delay, [this, from, to, w]() { Deliver(from, to, w); });
  };
  Result<Message> m = VerifyEnvelope(genesis_, wire);
  if (!m.ok()) return;
  const pb::Body& body = m->body();
  if ((node.byzantine & kCensor) && body.has_pre_prepare()) return;
  if ((node.byzantine & kBadTime) && body.has_pre_prepare() &&
      body.pre_prepare().view() == body.pre_prepare().header().view()) {
    std::optional<pb::Body> late =
        Redate(from, body.pre_prepare(),
               static_cast<UnixMillis>(body.pre_prepare().header().time()) + 3'600'000);
    return send(late ? SignEnvelope(genesis_, from, *node.key, *late) : wire);
  }
  if ((node.byzantine & (kBadTime | kLateNewView)) && body.has_new_view()) {
    Schedule(now_ + 60, [this, from, to, wire]() { Deliver(from, to, wire); });
    return;
  }
  if ((node.byzantine & kSplitBrain) && body.has_pre_prepare() &&
      body.pre_prepare().view() == body.pre_prepare().header().view()) {
    return send(SplitBrain(from, to, wire, body.pre_prepare()));
  }
  if ((node.byzantine & kEquivocate) && body.has_pre_prepare()) {
    pb::Body other = body;
    other.mutable_pre_prepare()->mutable_header()->set_time(body.pre_prepare().header().time() + 1);
    std::string w2 = SignEnvelope(genesis_, from, *node.key, other);
    // The replica after it gets both, the valid one first: the other, a block whose log root no
    // longer matches its time, is then an equivocation, where first it would only be a bad
    // block (before 2026-12-08 the order was left to the delays, and the scenario test that
    // expects the equivocation seen depended on them).
    if (to == (from + 1) % opt_.n) {
      send(wire);
      send(w2);
    } else {
      send(to % 2 == 0 ? w2 : wire);
    }
    return;
  }
  if ((node.byzantine & kConflictVotes) && (body.has_prepare() || body.has_commit()) &&
      u(rng_) < 0.5) {
    pb::Body other = body;
    std::string junk(32, static_cast<char>(rng_()));
    if (other.has_prepare()) other.mutable_prepare()->set_digest(junk);
    if (other.has_commit()) other.mutable_commit()->set_digest(junk);
    return send(SignEnvelope(genesis_, from, *node.key, other));
  }
  if ((node.byzantine & kForge) && u(rng_) < 0.3) {
    std::string w = wire;
    w[w.size() - 1 - rng_() % 64] ^= 0x01;
    send(w);
  }
  if ((node.byzantine & kGarbage) && u(rng_) < 0.2) {
    std::string g(1 + rng_() % 200, '\0');
    for (char& c : g) c = static_cast<char>(rng_());
    send(g);
  }
  if ((node.byzantine & kStale) && !node.sent.empty() && u(rng_) < 0.3) {
    send(node.sent[rng_() % node.sent.size()]);
  }
  if (node.byzantine & kProtocolLies) {
    if (!node.heard.empty() && u(rng_) < 0.3) send(node.heard[rng_() % node.heard.size()]);
    if (std::optional<pb::Body> lie = Lie(body)) {
      send(SignEnvelope(genesis_, from, *node.key, *lie));
    }
  }
  if (node.byzantine & kFlood) {
    for (int k = 0; k < 8; ++k) {
      pb::Body junk;
      const uint64_t far = 1 + rng_() % 100'000;
      const std::string digest(32, static_cast<char>(rng_()));
      switch (rng_() % 4) {
        case 0:
          junk.mutable_prepare()->set_view(rng_() % 8);
          junk.mutable_prepare()->set_seq(far);
          junk.mutable_prepare()->set_digest(digest);
          break;
        case 1:
          junk.mutable_checkpoint()->set_seq(far);
          junk.mutable_checkpoint()->set_digest(digest);
          break;
        case 2:
          junk.mutable_status()->set_view(rng_() % 1000);
          junk.mutable_status()->set_committed_height(far);
          junk.mutable_status()->set_stable_seq(far);
          break;
        default:
          junk.mutable_view_change()->set_new_view(1 + rng_() % 1000);
          junk.mutable_view_change()->set_stable_seq(far);
          junk.mutable_view_change()->set_stable_digest(digest);
          break;
      }
      send(SignEnvelope(genesis_, from, *node.key, junk));
    }
  }
  if (u(rng_) < loss_) return;
  send(wire);
}

std::optional<pb::Body> Simulation::Lie(const pb::Body& body) {
  pb::Body lie = body;
  if (body.has_view_change()) {
    pb::ViewChange* vc = lie.mutable_view_change();
    if (vc->prepared_size() > 0 && (rng_() % 2) == 0) {
      // A certificate whose prepares are for another block: CheckViewChange must refuse it.
      pb::PreparedCertificate* cert = vc->mutable_prepared(0);
      if (cert->prepares_size() > 0)
        cert->set_prepares(0, cert->prepares(cert->prepares_size() - 1) + "x");
      cert->set_pre_prepare(cert->pre_prepare().substr(0, cert->pre_prepare().size() / 2));
    } else {
      // A stable checkpoint far ahead, "proved" by the genuine proof of another seq.
      vc->set_stable_seq(vc->stable_seq() + 1 + rng_() % 64);
    }
    return lie;
  }
  if (body.has_checkpoint()) {
    lie.mutable_checkpoint()->set_digest(std::string(32, static_cast<char>(rng_())));
    return lie;
  }
  if (body.has_new_view() && body.new_view().pre_prepares_size() > 0) {
    lie.mutable_new_view()->mutable_pre_prepares()->RemoveLast();
    return lie;
  }
  return std::nullopt;
}

std::optional<pb::Body> Simulation::Redate(int from, const pb::PrePrepare& pp, UnixMillis time) {
  // Built on the primary's committed tip (a second uncommitted block would need the tentative
  // chain: those are left alone).
  const ChainTip tip = TipOf(from);
  if (pp.header().height() != tip.height + 1) return std::nullopt;
  ChainPoint base;
  base.height = tip.height;
  base.hash = tip.height == 0 ? genesis_.hash : tip.hash;
  base.time = tip.height == 0 ? genesis_.genesis_time : tip.time;
  base.frontier = *crypto::MerkleFrontier::FromHashes(tip.log_size, tip.frontier);
  std::vector<ledger::Entry> entries;
  for (const pb::Deposit& d : pp.entries()) entries.push_back(*FromProto(d));
  CheckedBlock b =
      BuildBlock(genesis_, base, std::move(entries), time, genesis_.validators[from].id, pp.view());
  pb::Body body;
  body.mutable_pre_prepare()->set_view(pp.view());
  ToProto(b.header, body.mutable_pre_prepare()->mutable_header());
  *body.mutable_pre_prepare()->mutable_entries() = pp.entries();
  return body;
}

std::string Simulation::SplitBrain(int from, int to, const std::string& wire,
                                   const pb::PrePrepare& pp) {
  const Node& node = nodes_[from];
  auto key = std::make_tuple(from, pp.view(), pp.header().height());
  auto it = splits_.find(key);
  if (it == splits_.end()) {
    std::optional<pb::Body> body_b =
        Redate(from, pp, static_cast<UnixMillis>(pp.header().time()) + 1);
    if (!body_b) return wire;
    auto commit = [&](const pb::Header& h) {
      ledger::BlockHeader header = *FromProto(genesis_.chain_id, h);
      const Hash32 digest = header.Hash();
      const std::string text = ledger::CheckpointText(header);
      const uint64_t ts = static_cast<uint64_t>(clock() / 1000);
      crypto::NoteSignature sig =
          crypto::CosignCheckpoint(text, genesis_.validators[from].id, *node.key, ts);
      pb::Body body;
      pb::Commit* c = body.mutable_commit();
      c->set_view(pp.view());
      c->set_seq(h.height());
      c->set_digest(std::string(digest.begin(), digest.end()));
      c->set_checkpoint_text(text);
      c->set_timestamp(ts);
      c->set_cosignature(std::string(sig.signature.begin() + 8, sig.signature.end()));
      return SignEnvelope(genesis_, from, *node.key, body);
    };
    SplitWires w;
    w.pre_prepare_b = SignEnvelope(genesis_, from, *node.key, *body_b);
    w.commit_a = commit(pp.header());
    w.commit_b = commit(body_b->pre_prepare().header());
    it = splits_.emplace(key, std::move(w)).first;
  }
  // Rank of `to` among the other replicas: the lower half gets A, the upper half B.
  const int rank = to < from ? to : to - 1;
  const bool upper = rank >= (opt_.n - 1) / 2;
  std::string extra = upper ? it->second.commit_b : it->second.commit_a;
  UnixMillis delay = std::uniform_int_distribution<UnixMillis>(1, max_delay_)(rng_);
  Schedule(now_ + delay + 1, [this, from, to, extra]() { Deliver(from, to, extra); });
  return upper ? it->second.pre_prepare_b : wire;
}

void Simulation::Deliver(int from, int to, const std::string& wire, UnixMillis arrived) {
  Node& node = nodes_[to];
  if (!node.replica || !Connected(from, to)) return;
  if (arrived == 0) arrived = ClockOf(to);
  // The host's checks, as node/validator.cc runs them off-thread; here inline. Failures are
  // counted, never stepped. The pure checks of these bytes are made once (host_checked_).
  const Hash32 key = crypto::Sha256(wire);
  auto checked = host_checked_.find(key);
  if (checked == host_checked_.end()) {
    if (host_checked_.size() >= 4096) host_checked_.clear();
    HostCheck check{VerifyEnvelope(genesis_, wire), Status::Error("malformed", "no envelope")};
    if (check.envelope.ok()) check.contents = VerifyContents(genesis_, *check.envelope);
    checked = host_checked_.emplace(key, std::move(check)).first;
  }
  Result<Message> m = checked->second.envelope;
  if (m.ok()) {
    const uint64_t committed = node.replica->committed_height();
    const ReplicaSnapshot snapshot{committed, node.fetch_target > committed};
    Status keep = Prefilter(genesis_, *m, snapshot, arrived);
    m = keep.ok() ? checked->second.contents : Result<Message>(keep);
  }
  if (!m.ok()) {
    if (Honest(to)) ++host_rejects_[m.status().code()];
    Log("v" + std::to_string(to) + " <- v" + std::to_string(from) +
        " rejected: " + m.status().code());
    return;
  }
  Log("v" + std::to_string(to) + " <- v" + std::to_string(from) + " " + KindName(m->body()));
  if ((node.byzantine & kProtocolLies) && m->sender() != to &&
      (m->body().has_view_change() || m->body().has_new_view() || m->body().has_checkpoint())) {
    node.heard.push_back(wire);  // replayed later, as a relay of a valid message
    if (node.heard.size() > 32) node.heard.erase(node.heard.begin());
  }
  m->set_received_at(arrived);
  node.replica->Step(*m, NowOf(to));
  Drain(to);
}

void Simulation::ServeFetch(int i, const FetchRequest& req) {
  // The replica asks only when some peer (or a stable checkpoint) is ahead of it.
  if (req.to_height < req.from_height) {
    return Fail("v" + std::to_string(i) + " fetch request to_height " +
                std::to_string(req.to_height) + " below from_height " +
                std::to_string(req.from_height));
  }
  for (int peer : req.peers) {
    if (peer == i || !nodes_[peer].replica || !Connected(i, peer)) continue;
    const Node& src = nodes_[peer];
    std::vector<CommittedBlock> blocks;
    for (uint64_t h = req.from_height; h <= src.chain.size() && blocks.size() < 16; ++h) {
      blocks.push_back(src.chain[h - 1]);
    }
    if (blocks.empty()) continue;
    if (src.byzantine & kBadFetch) {
      CommittedBlock& b = blocks[rng_() % blocks.size()];
      switch (rng_() % 3) {
        case 0:
          b.certificate[b.certificate.size() / 2] ^= 1;
          break;
        case 1:
          if (!b.entries.empty()) b.entries[0].statement += " ";
          break;
        default:
          b.header.time += 1;
      }
    }
    Log("v" + std::to_string(i) + " FETCH from v" + std::to_string(peer) + " heights " +
        std::to_string(req.from_height) + "+" + std::to_string(blocks.size()) + " (to " +
        std::to_string(req.to_height) + ")");
    UnixMillis delay = std::uniform_int_distribution<UnixMillis>(1, max_delay_ * 2)(rng_);
    Schedule(now_ + delay, [this, i, blocks]() mutable {
      if (!nodes_[i].replica) return;
      // Odd seeds take the host's fast path (signatures checked first by VerifyFetchedBlocks);
      // even seeds the full checks inside StepFetchedBlocks. Tampered blocks must fail either way.
      if (opt_.seed % 2 == 1) VerifyFetchedBlocks(genesis_, &blocks);
      nodes_[i].replica->StepFetchedBlocks(blocks, NowOf(i));
      Drain(i);
    });
    return;
  }
}

bool Simulation::RunUntil(UnixMillis until) {
  while (failure_.empty()) {
    // Ticks are generated lazily: the next tick boundary is the next 10 ms multiple.
    UnixMillis next_tick = (now_ / 10 + 1) * 10;
    if (!queue_.empty() && queue_.top().at < next_tick) {
      Item item = queue_.top();
      queue_.pop();
      if (item.at > until) {
        queue_.push(item);
        now_ = until;
        return true;
      }
      now_ = std::max(now_, item.at);
      item.run();
      continue;
    }
    if (next_tick > until) {
      now_ = until;
      return true;
    }
    now_ = next_tick;
    for (int i = 0; i < opt_.n; ++i) {
      if (!nodes_[i].replica) continue;
      nodes_[i].replica->Tick(NowOf(i));
      Drain(i);
    }
  }
  return false;
}

bool Simulation::Complete() const {
  if (unsubmitted_ > 0) return false;
  uint64_t height = 0;
  bool first = true;
  for (int i = 0; i < opt_.n; ++i) {
    if (!Honest(i) || nodes_[i].gone) continue;
    const Node& node = nodes_[i];
    if (!node.replica) return false;
    for (const Hash32& id : must_commit_) {
      if (!node.index.ids.count(id)) return false;
    }
    if (!first && node.chain.size() != height) return false;
    height = node.chain.size();
    first = false;
  }
  return true;
}

bool Simulation::RunToCompletion() {
  while (failure_.empty() && now_ < opt_.max_time) {
    if (Complete()) return true;
    RunUntil(now_ + 50);
  }
  if (failure_.empty()) {
    std::ostringstream os;
    os << "LIVENESS: not complete after " << opt_.max_time << "ms; heights:";
    for (int i = 0; i < opt_.n; ++i) {
      os << " v" << i << "=" << nodes_[i].chain.size() << (nodes_[i].replica ? "" : "(down)")
         << (Honest(i) ? "" : "(byz)");
      if (nodes_[i].replica) {
        os << "[view " << nodes_[i].replica->view()
           << (nodes_[i].replica->view_changing() ? "*" : "") << " pending "
           << nodes_[i].replica->pending() << "]";
      }
    }
    Fail(os.str());
  }
  return false;
}

void Simulation::RandomFaults() {
  std::uniform_real_distribution<double> u(0, 1);
  const int f = static_cast<int>(genesis_.f());
  loss_ = u(rng_) * 0.2;
  dup_ = u(rng_) * 0.1;
  max_delay_ = 1 + static_cast<UnixMillis>(rng_() % 30);
  const int byz = static_cast<int>(rng_() % (f + 1));  // 0..f Byzantine replicas
  std::vector<int> ids(opt_.n);
  for (int i = 0; i < opt_.n; ++i) ids[i] = i;
  std::shuffle(ids.begin(), ids.end(), rng_);
  for (int k = 0; k < byz; ++k) SetByzantine(ids[k], 1 + static_cast<uint32_t>(rng_() % 4095));
  // Honest clocks: each off the simulation's by up to max_clock_skew_ms / 4 (so two honest
  // replicas disagree by at most half the skew the protocol tolerates), jumping now and then.
  const UnixMillis quarter = genesis_.params.max_clock_skew_ms / 4;
  for (int i = 0; i < opt_.n; ++i) {
    const auto offset = [&] {
      return static_cast<UnixMillis>(rng_() % (2 * quarter + 1)) - quarter;
    };
    nodes_[i].clock_offset = offset();
    if (rng_() % 3 == 0) {
      // One draw a statement: the order in which a call's arguments are evaluated is
      // unspecified (GCC and Clang differ), and the seed must replay in every build.
      const UnixMillis jump_to = offset();
      const auto jump_at = static_cast<UnixMillis>(rng_() % opt_.fault_period);
      SetClockOffset(i, jump_to, jump_at);
    }
  }
  // Crash/restart honest replicas (restart before the end of the fault period + a bit).
  const int crashes = static_cast<int>(rng_() % 3);
  std::set<int> crashed;
  for (int k = 0; k < crashes; ++k) {
    int victim = ids[byz + static_cast<int>(rng_() % (opt_.n - byz))];
    crashed.insert(victim);
    UnixMillis at = static_cast<UnixMillis>(rng_() % opt_.fault_period);
    if (rng_() % 2 == 0) {
      Crash(victim, at);
    } else {
      CrashMidReady(victim, at);  // takes effect at its next Ready
    }
    Restart(victim, at + 20 + static_cast<UnixMillis>(rng_() % 300));
  }
  // A replica restored from its backup (with the marker, as the node does) in a quarter of the
  // seeds, where the others can commit without it: a restored replica withholds its votes until
  // it is past everything it may have signed (docs/protocol.md "Restored from a backup"), which
  // in a short run may be never. Its own stream of numbers, so the other faults of a seed stay
  // what they were before restores were added (2026-12-07).
  std::mt19937_64 restore_rng(opt_.seed ^ 0x7e57'04ed'bac6'0b5eULL);
  int restored = -1;
  UnixMillis backup_at = 0;
  UnixMillis restore_at = 0;
  bool lost_data = false;
  const int correct = opt_.n - byz;
  if (restore_rng() % 4 == 0 && static_cast<size_t>(correct - 1) >= genesis_.quorum()) {
    std::vector<int> candidates;
    for (int k = byz; k < opt_.n; ++k) {
      if (!crashed.count(ids[k])) candidates.push_back(ids[k]);
    }
    if (!candidates.empty()) {
      restored = candidates[restore_rng() % candidates.size()];
      backup_at = static_cast<UnixMillis>(restore_rng() % opt_.fault_period);
      restore_at = backup_at + 50 + static_cast<UnixMillis>(restore_rng() % 400);
      // Or, in half of those seeds (since 2026-12-07), its data is lost instead and it starts
      // again on an empty data directory; what it accepted before may be lost with it.
      lost_data = restore_rng() % 2 == 0;
      if (lost_data) {
        backup_at = 0;
        LoseData(restored, restore_at);
      } else {
        RestoreFromBackup(restored, backup_at, restore_at, /*marker=*/true);
      }
    }
  }
  // A correct replica that goes down for good (a validator lost, never restarted) in a quarter of
  // the seeds where the others, the restored one aside, can commit without it: they must finish
  // the run on their own. Its own stream of numbers too.
  std::mt19937_64 gone_rng(opt_.seed ^ 0x0dd0'5eed'4f00'd1e5ULL);
  int gone = -1;
  const int working = correct - (restored >= 0 ? 1 : 0);
  if (gone_rng() % 4 == 0 && static_cast<size_t>(working - 1) >= genesis_.quorum()) {
    std::vector<int> candidates;
    for (int k = byz; k < opt_.n; ++k) {
      if (!crashed.count(ids[k]) && ids[k] != restored) candidates.push_back(ids[k]);
    }
    if (!candidates.empty()) {
      gone = candidates[gone_rng() % candidates.size()];
      nodes_[gone].gone = true;
      Crash(gone, static_cast<UnixMillis>(gone_rng() % opt_.fault_period));
    }
  }
  if (u(rng_) < 0.5) {
    std::vector<int> group(ids.begin(),
                           ids.begin() + 1 + static_cast<std::ptrdiff_t>(rng_() % (opt_.n - 1)));
    UnixMillis from = static_cast<UnixMillis>(rng_() % opt_.fault_period);
    Partition(group, from, from + 50 + static_cast<UnixMillis>(rng_() % 300));
  }
  for (int k = 0; k < opt_.deposits; ++k) {
    int to = static_cast<int>(rng_() % opt_.n);
    const auto at = static_cast<UnixMillis>(rng_() % opt_.fault_period);
    // A deposit a replica accepts between its backup and the restore (before its data is lost)
    // may be lost with it (its journal is the backup's) unless it reached another replica first;
    // the run requires every submitted deposit to commit, so those go to the next replica instead.
    // And one a replica accepts before it goes for good is lost unless it reached another, so
    // none goes to that replica.
    while (to == gone || (to == restored && at >= backup_at && at <= restore_at)) {
      to = (to + 1) % opt_.n;
    }
    Submit(to, at);
  }
  // A client that reuses a nonce: a second statement with a submitted deposit's nonce, to any
  // replica. The chain keeps at most one of the two (NONCE in CheckBlock); neither must commit.
  const int twins = static_cast<int>(rng_() % 3);
  for (int k = 0; k < twins && nonce_ > 0; ++k) {
    const std::string nonce = "n" + std::to_string(rng_() % nonce_);
    contested_nonces_.insert(nonce);
    const int to = static_cast<int>(rng_() % opt_.n);  // one draw a statement, as above
    const auto at = static_cast<UnixMillis>(rng_() % opt_.fault_period);
    SubmitEntry(to, SignedDeposit(nonce, "twin " + nonce), at);
  }
  std::ostringstream os;
  os << "faults: loss=" << loss_ << " dup=" << dup_ << " max_delay=" << max_delay_
     << " crashes=" << crashes << " restored=";
  if (restored >= 0) {
    os << "v" << restored << (lost_data ? " lost data@" : "@") << backup_at << "->" << restore_at;
  } else {
    os << "none";
  }
  os << " gone=" << (gone >= 0 ? "v" + std::to_string(gone) : std::string("none"));
  os << " byzantine=";
  for (int i = 0; i < opt_.n; ++i) {
    if (nodes_[i].byzantine) os << "v" << i << ":" << nodes_[i].byzantine << " ";
  }
  Log(os.str());
}

std::string Simulation::RunSeed() {
  RandomFaults();
  RunUntil(opt_.fault_period);
  // Heal: no more loss, duplication or long delays; partitions have ended; every crashed
  // replica was scheduled to restart.
  loss_ = 0;
  dup_ = 0;
  max_delay_ = 5;
  RunUntil(opt_.fault_period + 400);
  RunToCompletion();
  return failure_;
}

size_t Simulation::CountEvents(Event::Kind kind) const {
  auto it = event_counts_.find(kind);
  return it == event_counts_.end() ? 0 : it->second;
}

uint64_t Simulation::HostRejects(const std::string& reason) const {
  auto it = host_rejects_.find(reason);
  return it == host_rejects_.end() ? 0 : it->second;
}

uint64_t Simulation::HonestDrops(const std::string& reason) const {
  uint64_t total = 0;
  for (int i = 0; i < opt_.n; ++i) {
    if (!Honest(i) || !nodes_[i].replica) continue;
    auto it = nodes_[i].replica->dropped().find(reason);
    if (it != nodes_[i].replica->dropped().end()) total += it->second;
  }
  return total;
}

}  // namespace evchain::consensus::sim
