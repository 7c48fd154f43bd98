#include "node/validator.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <filesystem>
#include <iterator>

#include "api/metric_names.h"
#include "common/encoding.h"
#include "consensus/message.h"
#include "crypto/sha256.h"
#include "ledger/statement.h"
#include "node/block_transfer.h"
#include "node/consensus_store.h"
#include "node/net/address.h"
#include "storage/backup.h"
#include "storage/keys.h"

namespace evchain::node {
namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(20);
constexpr size_t kSmallMessageBytes = size_t{16} * 1024;
constexpr char kGenesisHashMeta[] = "genesis_hash";
// Client traffic yields the CPU to protocol messages: FORWARD verification runs on threads the
// kernel schedules after the others of this process (nice +10), so under a burst the cores go to
// pre-prepares and votes first and the chain keeps committing. Called from the worker itself.
void LowerThisThreadsPriorityOnce() {
  thread_local bool lowered = false;
  if (lowered) return;
  lowered = true;
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
}

constexpr char kDroppedMetric[] = "evchain_consensus_dropped_total";
constexpr char kPeerRejectedMetric[] = "evchain_peer_payloads_rejected_total";
constexpr char kViewChangesMetric[] = "evchain_view_changes_total";
constexpr char kEquivocationsMetric[] = "evchain_equivocations_total";
constexpr char kViewChangesStartedMetric[] = "evchain_view_changes_started_total";
constexpr char kReplicaPendingMetric[] = "evchain_replica_pending_deposits";
constexpr char kDepositChecksMetric[] = "evchain_deposit_checks_total";
constexpr char kPeerMisbehaviourMetric[] = "evchain_peer_misbehaviour_total";
constexpr char kPeerSuspensionsMetric[] = "evchain_peer_suspensions_total";

std::string PayloadBytes(const pb::PeerPayload& payload) {
  std::string out;
  payload.SerializeToString(&out);
  return out;
}

// Ties the data directory to one chain: refuses to run a data dir made for another genesis.
Status CheckDataDirChain(storage::KvStore& store, const genesis::Genesis& genesis) {
  auto key = storage::keys::Meta(kGenesisHashMeta);
  auto existing = store.Get(key);
  if (!existing.ok()) return existing.status();
  std::string want(AsChars(ByteView(genesis.hash)));
  if (!existing->has_value()) {
    storage::WriteBatch batch;
    batch.Put(key, want);
    return store.Write(batch, true);
  }
  if (**existing != want) {
    return Status::Error("wrong_chain", "data directory belongs to another genesis");
  }
  return Status::Ok();
}

}  // namespace

Validator::Validator(NodeConfig config, genesis::Genesis genesis, crypto::SecretKey key, int self)
    : config_(std::move(config)),
      genesis_(std::move(genesis)),
      key_(std::move(key)),
      self_(self),
      consensus_(io_.get_executor()),
      tick_timer_(consensus_),
      signals_(io_, SIGINT, SIGTERM),
      fetch_(FetchPipelineOptions{.timeout_ms = std::max<UnixMillis>(
                                      2 * UnixMillis{genesis_.params.view_change_timeout_ms}, 100),
                                  .penalty_ms = std::max<UnixMillis>(
                                      2 * UnixMillis{genesis_.params.view_change_timeout_ms}, 100),
                                  .hint_quorum = (genesis_.n() - 1) / 3 + 1}) {}

Validator::~Validator() {
  if (http_) http_->Stop();
}

UnixMillis Validator::WallNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t Validator::MonoNow() {
  // steady_clock counts from boot on Linux; + 1 keeps it above 0 (the replica's "unset").
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
             .count() +
         1;
}

Result<std::unique_ptr<Validator>> Validator::Open(const NodeConfig& config) {
  auto genesis = genesis::LoadGenesisFile(config.genesis_path);
  if (!genesis.ok()) return genesis.status();
  int self = genesis->ValidatorIndex(config.validator_id);
  if (self < 0) {
    return Status::Error("config_invalid",
                         "validator_id '" + config.validator_id + "' is not in the genesis");
  }
  auto key = crypto::SecretKey::LoadFile(config.key_file);
  if (!key.ok()) return key.status();
  if (key->public_key() != genesis->validators[self].public_key) {
    return Status::Error("config_invalid", "key_file " + config.key_file +
                                               " is not the genesis key of " + config.validator_id);
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Status::Error("io_error", config.data_dir + ": " + ec.message());
  std::filesystem::permissions(config.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);

  std::unique_ptr<Validator> v(new Validator(config, std::move(*genesis), std::move(*key), self));
  v->log_prefix_ = config.validator_id;
  auto store = storage::OpenLevelDb(config.data_dir);
  if (!store.ok()) return store.status();
  v->store_ = std::move(*store);
  EVCHAIN_RETURN_IF_ERROR(CheckDataDirChain(*v->store_, v->genesis_));
  auto log = storage::EvidenceLog::Open(v->store_.get());
  if (!log.ok()) return log.status();
  v->log_ = std::move(*log);
  v->journal_ = std::make_unique<PendingJournal>(v->store_.get());
  v->admission_ = std::make_unique<Admission>(static_cast<Admission::Host*>(v.get()),
                                              v->journal_.get(), config.max_pending);

  consensus::RestoredState restored;
  auto records = LoadConsensusRecords(*v->store_);
  if (!records.ok()) return records.status();
  restored.records = std::move(*records);
  // A restored copy (docs/operations.md "The restore marker"): its consensus records are a
  // backup's, so the replica withholds its votes until past what it may have signed since.
  auto marker = storage::ReadRestoreMarker(*v->store_);
  if (!marker.ok()) return marker.status();
  if (marker->has_value()) {
    restored.from_backup =
        consensus::RestoredFromBackup{(*marker)->consensus_seq, (*marker)->consensus_view};
    spdlog::warn(
        "the data directory is restored from a backup taken at height {}: this "
        "validator withholds its votes until the others tell it how far they are",
        (*marker)->height);
  }
  restored.tip.height = v->log_->height();
  restored.tip.log_size = v->log_->size();
  if (restored.tip.height == 0) {
    restored.tip.hash = v->genesis_.hash;
    restored.tip.time = v->genesis_.genesis_time;
  } else {
    auto block = v->log_->GetBlock(restored.tip.height);
    if (!block.ok()) return block.status();
    restored.tip.hash = block->hash;
    restored.tip.time = block->header.time;
  }
  auto frontier = v->log_->Frontier();
  if (!frontier.ok()) return frontier.status();
  restored.tip.frontier = std::move(*frontier);
  v->replica_ = std::make_unique<consensus::Replica>(v->genesis_, self, v->key_,
                                                     std::move(restored), v.get());

  v->api_config_ = ApiConfigFrom(config);
  api::metric::DescribeAll(v->metrics_);
  v->metrics_.Describe(kDroppedMetric, "counter",
                       "Consensus messages dropped by the replica, by reason.");
  v->metrics_.Describe(kPeerRejectedMetric, "counter",
                       "Peer payloads rejected before consensus (bad signature, malformed...).");
  v->metrics_.Describe(kViewChangesMetric, "counter", "Views entered after a view change.");
  v->metrics_.Describe(kEquivocationsMetric, "counter",
                       "Equivocating primaries detected (two pre-prepares for one slot).");
  v->metrics_.Describe(kViewChangesStartedMetric, "counter",
                       "View changes this replica started, by the rule that fired.");
  v->metrics_.Describe(kReplicaPendingMetric, "gauge",
                       "Deposits the replica holds not yet committed, forwarded ones included.");
  v->metrics_.Describe(kPeerMisbehaviourMetric, "counter",
                       "Payloads from a peer that no correct validator sends (bad signature, "
                       "invalid deposit or certificate, malformed...), by peer and reason.");
  v->metrics_.Describe(kPeerSuspensionsMetric, "counter",
                       "Times a peer was disconnected and kept off for misbehaving too often.");
  v->metrics_.Describe(kDepositChecksMetric, "counter",
                       "Deposits met by the signature checks: result=verified (signature checked: "
                       "once per deposit), cached (verified before), committed (a FORWARDed "
                       "deposit already in the log: not checked).");
  // Well above the pool bound, so a deposit is evicted only after waiting very long.
  v->verified_deposits_ = std::make_unique<VerifiedDeposits>(
      std::max<size_t>(4 * config.max_pending, 1 << 16),
      [raw = v.get()](const Hash32& id) { return raw->Contains(id); });
  v->metrics_.Increment(api::metric::kBlocksCommitted, "", 0);
  for (const auto& [name, help] : std::vector<std::pair<const char*, const char*>>{
           {"evchain_peer_frames_total", "Payload frames on validator links, by direction."},
           {"evchain_peer_bytes_total", "Bytes on validator links (handshakes included)."},
           {"evchain_peer_handshakes_total", "Peer handshakes completed."},
           {"evchain_peer_handshakes_rejected_total",
            "Peer handshakes refused (unknown key, wrong chain, replay...), by reason."},
           {"evchain_peer_oversized_frames_total", "Links closed for an oversized frame."},
           {"evchain_peer_decrypt_failures_total", "Links closed for a frame that failed AEAD."},
           {"evchain_peer_send_queue_dropped_total", "Queued payloads dropped (queue full)."},
           {"evchain_peer_links_up_total", "Times a peer link came up."},
           {"evchain_peer_read_pauses_total",
            "Times reading from a peer paused: its receive budget was full."}}) {
    v->metrics_.Describe(name, "counter", help);
  }
  v->metrics_.Describe("evchain_peer_receive_bytes", "gauge",
                       "Bytes a peer delivered that the node is still working on.");
  v->metrics_.Describe("evchain_peer_receive_payloads", "gauge",
                       "Payloads a peer delivered that the node is still working on.");
  v->RefreshStatus();
  spdlog::info("opened data dir {}: height={} log_size={} view={}", config.data_dir,
               v->log_->height(), v->log_->size(), v->replica_->view());
  return v;
}

evchain::Status Validator::Start() {
  net::TransportOptions options;
  options.listen_address = config_.p2p_listen;
  // What waits longer than a view-change timeout for an unreachable peer is stale; consensus
  // retransmits what still matters once the link is back (docs/transport.md).
  options.max_unreachable_queueing =
      std::chrono::milliseconds(genesis_.params.view_change_timeout_ms);
  transport_ = std::make_unique<net::Transport>(io_, genesis_, self_, key_, options);
  transport_->SetReceiveHandler(
      [this](int peer, std::string payload, net::ReceiveBudget::Credit credit) {
        OnPeerPayload(peer, payload, std::move(credit));
      });
  transport_->SetLinkHandler([this](int peer, bool up) {
    spdlog::info("peer {} ({}) {}", peer, genesis_.validators[peer].id,
                 up ? "connected" : "disconnected");
    if (!up) return;
    // Exchange status at once: a restarted replica learns it is behind (and starts fetching)
    // without waiting for the periodic status broadcast.
    boost::asio::post(consensus_, [this, peer] {
      if (stopping_) return;
      replica_->PeerConnected(peer, Clocks());
      Drain();
    });
  });
  verifier_threads_ = std::max<size_t>(2, std::thread::hardware_concurrency());
  verifiers_ = std::make_unique<net::ThreadPool>(verifier_threads_, 100000);
  small_verifiers_ = std::make_unique<net::ThreadPool>(verifier_threads_, 100000);
  forward_verifiers_ = std::make_unique<net::ThreadPool>(verifier_threads_, 100000);
  transfer_workers_ = std::make_unique<net::ThreadPool>(verifier_threads_, 10000);

  auto http_addr = net::ParseHostPort(config_.http_listen);
  if (!http_addr.ok()) return http_addr.status();
  http_ = std::make_unique<api::HttpServer>(api::Context{genesis_, *this, metrics_, api_config_});
  std::optional<api::TlsFiles> tls;
  if (!config_.tls_cert.empty()) tls = api::TlsFiles{config_.tls_cert, config_.tls_key};
  EVCHAIN_RETURN_IF_ERROR(http_->Start(http_addr->host, http_addr->port, tls));
  auto started = transport_->Start();
  if (!started.ok()) {
    http_->Stop();
    return started;
  }
  spdlog::info("validator {} ({}) listening: p2p {} http{} {} view={} height={}",
               config_.validator_id, genesis::RoleName(genesis_.validators[self_].role),
               config_.p2p_listen, tls ? "s" : "", config_.http_listen, replica_->view(),
               replica_->committed_height());
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("received signal {}", signal);
    Stop();
  });
  boost::asio::post(consensus_, [this] {
    replica_->Tick(Clocks());
    Drain();
    ScheduleTick();
  });
  return ResumePending();
}

evchain::Status Validator::ResumePending() {
  size_t dropped = 0;
  Result<size_t> resumed = admission_->Resume(genesis_, &dropped);
  if (!resumed.ok()) return resumed.status();
  if (dropped > 0) {
    spdlog::warn("{} records of the pending-deposit journal not proposed (see above)", dropped);
  }
  if (*resumed > 0) {
    spdlog::info("re-proposing {} deposits acknowledged before the restart", *resumed);
  }
  return Status::Ok();
}

int Validator::Run(size_t threads) {
  // The log's lookup filter (storage/index_filter.h) is built while the node already serves:
  // one scan of the index, ~0.65 s per million entries; lookups read LevelDB until it is done.
  std::thread filter_builder([this] {
    const auto started = std::chrono::steady_clock::now();
    evchain::Status built = log_->BuildLookupFilter(&stopping_);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (built.ok()) {
      spdlog::info("lookup filter built: {} entries in {:.2f} s, {} KiB", log_->size(), seconds,
                   log_->LookupFilterBytes() / 1024);
    } else if (built.code() != "cancelled") {
      spdlog::warn("lookup filter not built ({}): lookups read the index", built.ToString());
    }
  });
  std::vector<std::thread> pool;
  for (size_t i = 1; i < threads; ++i) pool.emplace_back([this] { io_.run(); });
  io_.run();
  for (auto& t : pool) t.join();
  filter_builder.join();
  // Joins the workers before the io_context goes away.
  transfer_workers_.reset();
  forward_verifiers_.reset();
  small_verifiers_.reset();
  verifiers_.reset();
  spdlog::info("stopped at view={} height={}", view_.load(), committed_height_.load());
  spdlog::default_logger()->flush();
  return exit_code_.load();
}

void Validator::Stop() {
  if (stopping_.exchange(true)) return;
  boost::asio::post(consensus_, [this] { DoStop(); });
}

void Validator::DoStop() {
  spdlog::info("shutting down: view={} height={}", view_.load(), committed_height_.load());
  tick_timer_.cancel();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  admission_->Stop();
  if (http_) http_->Stop();
  if (transport_) transport_->Stop();
}

void Validator::Fatal(const std::string& what) {
  spdlog::critical("{} — stopping the validator (view={} height={})", what, view_.load(),
                   committed_height_.load());
  exit_code_ = 1;
  Stop();
}

void Validator::ScheduleTick() {
  if (stopping_) return;
  tick_timer_.expires_after(kTickInterval);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    replica_->Tick(Clocks());
    Drain();
    SendFetches(fetch_.Tick(replica_->committed_height(), MonoNow()));
    NoteCaughtUp();
    if (++ticks_ % 25 == 0) ExportTransportStats();  // twice a second
    ScheduleTick();
  });
}

void Validator::OnPeerPayload(int peer, const std::string& payload,
                              net::ReceiveBudget::Credit credit) {
  if (stopping_) return;
  // The payload counts against the peer's receive budget until its work is done: the verifier
  // task and the consensus step below share the credit (docs/transport.md "Receive budgets").
  auto held = std::make_shared<net::ReceiveBudget::Credit>(std::move(credit));
  auto parsed = std::make_shared<pb::PeerPayload>();
  if (!parsed->ParseFromString(payload)) {
    metrics_.Increment(kPeerRejectedMetric, "reason=\"malformed\"");
    Offence(peer, "malformed");
    return;
  }
  switch (parsed->kind_case()) {
    case pb::PeerPayload::kConsensus: {
      // The skew rule judges a PRE-PREPARE by when it arrived, not by when a worker reached it.
      const UnixMillis arrived = WallNow();
      // Three queues, so protocol messages never wait behind client traffic: FORWARDs (deposits
      // relayed by peers, as many as clients send) have their own workers; small messages
      // (votes, status, checkpoints) too, so they do not wait behind pre-prepares carrying whole
      // blocks. Workers finish in any order anyway: the replica does not rely on it.
      const bool forward = consensus::IsForward(parsed->consensus());
      net::ThreadPool& pool = forward ? *forward_verifiers_
                              : parsed->consensus().size() <= kSmallMessageBytes ? *small_verifiers_
                                                                                 : *verifiers_;
      bool accepted = pool.Submit(
          consensus_,
          [this, parsed, arrived, forward, held]() -> Result<consensus::Message> {
            if (forward) LowerThisThreadsPriorityOnce();
            // What the replica would drop unseen (or a transfer makes useless) is dropped
            // before its deposits are checked: a restarted replica's peers flush it a backlog of
            // old blocks and forwards, and checking them all would slow its catch-up.
            auto envelope = consensus::VerifyEnvelope(genesis_, parsed->consensus());
            if (!envelope.ok()) return envelope;
            const consensus::ReplicaSnapshot snapshot{
                committed_height_.load(), catching_up_.load(),
                replica_pending_.load() >= config_.max_pending};
            evchain::Status keep = consensus::Prefilter(genesis_, *envelope, snapshot, arrived);
            if (!keep.ok()) return keep;
            envelope->set_received_at(arrived);
            return consensus::VerifyContents(genesis_, std::move(*envelope),
                                             verified_deposits_.get());
          },
          [this, peer, held](Result<consensus::Message> message) {
            if (stopping_) return;
            if (!message.ok()) {
              const std::string& code = message.status().code();
              metrics_.Increment(kPeerRejectedMetric, "reason=\"" + code + "\"");
              if (!consensus::IsPrefilterCode(code)) Offence(peer, code);
              return;
            }
            replica_->Step(*message, Clocks());
            ScheduleDrain();
          });
      if (!accepted) metrics_.Increment(kPeerRejectedMetric, "reason=\"overloaded\"");
      break;
    }
    case pb::PeerPayload::kFetch:
      OnFetchRequest(peer, parsed->fetch());
      break;
    case pb::PeerPayload::kBlocks:
      // Only a reply to a fetch this node has outstanding is worth checking (the pipeline lives
      // on the consensus strand): unsolicited blocks are dropped before any signature check,
      // and no more blocks are checked than were asked for.
      boost::asio::post(consensus_, [this, peer, parsed, held] {
        if (stopping_) return;
        const std::optional<uint32_t> asked = fetch_.Asked(parsed->blocks().from_height());
        if (!asked) {
          metrics_.Increment(kPeerRejectedMetric, "reason=\"unsolicited_blocks\"");
          return;
        }
        if (static_cast<uint32_t>(parsed->blocks().blocks_size()) > *asked) {
          metrics_.Increment(kPeerRejectedMetric, "reason=\"too_many_blocks\"");
          Offence(peer, "too_many_blocks");
        }
        OnBlocks(peer, parsed, held,
                 static_cast<int>(std::min<uint32_t>(*asked, parsed->blocks().blocks_size())));
      });
      break;
    default:
      metrics_.Increment(kPeerRejectedMetric, "reason=\"malformed\"");
      Offence(peer, "malformed");
  }
}

// A reply to a fetch: split across the workers, each slice decoded and its certificates and
// deposit signatures verified (consensus::VerifyFetchedBlocks) off the consensus strand; the
// slices are joined on the strand and handed to the pipeline.
void Validator::OnBlocks(int peer, const std::shared_ptr<const pb::PeerPayload>& payload,
                         const std::shared_ptr<net::ReceiveBudget::Credit>& held, int total) {
  struct Join {
    std::vector<std::vector<consensus::CommittedBlock>> parts;
    std::vector<bool> dropped;  // the slice was not checked: the pool was full (on consensus_)
    size_t remaining = 0;
  };
  const UnixMillis received = MonoNow();
  const int slices = std::clamp<int>(static_cast<int>(verifier_threads_), 1, std::max(total, 1));
  auto join = std::make_shared<Join>();
  join->parts.resize(slices);
  join->dropped.resize(slices, false);
  join->remaining = slices;
  for (int k = 0; k < slices; ++k) {
    auto done = [this, peer, payload, join, k, slices, total, received,
                 held](std::vector<consensus::CommittedBlock> blocks) {
      join->parts[k] = std::move(blocks);
      if (--join->remaining > 0) return;
      // The blocks up to the first unchecked slice; the pipeline asks for the rest again
      // without blaming the peer. A checked slice that decoded short (malformed) or holds a
      // block that failed its checks is the peer's doing: correct peers serve committed blocks.
      std::vector<consensus::CommittedBlock> all;
      bool cut = false;
      bool bad = false;
      for (int i = 0; i < static_cast<int>(join->parts.size()) && !cut; ++i) {
        cut = join->dropped[i];
        const size_t expected = static_cast<size_t>(total * (i + 1) / slices - total * i / slices);
        bad = bad || (!cut && join->parts[i].size() < expected);
        for (const consensus::CommittedBlock& b : join->parts[i]) bad = bad || !b.verified;
        std::move(join->parts[i].begin(), join->parts[i].end(), std::back_inserter(all));
      }
      if (bad) Offence(peer, "bad_blocks");
      spdlog::debug("state transfer: {} blocks from {} for height={} checked in {} ms", all.size(),
                    genesis_.validators[peer].id, payload->blocks().from_height(),
                    MonoNow() - received);
      OnFetchedReply(peer, payload->blocks().from_height(), payload->blocks().responder_height(),
                     std::move(all), cut);
    };
    const int begin = total * k / slices;
    const int end = total * (k + 1) / slices;
    bool accepted = transfer_workers_->Submit(
        consensus_,
        [this, payload, begin, end] {
          std::vector<consensus::CommittedBlock> blocks =
              DecodeFetchedBlocks(genesis_, payload->blocks(), begin, end);
          consensus::VerifyFetchedBlocks(genesis_, &blocks);
          return blocks;
        },
        done);
    if (!accepted) {
      // The pipeline keeps the blocks before this slice and asks for the rest again.
      metrics_.Increment(kPeerRejectedMetric, "reason=\"overloaded\"");
      boost::asio::post(consensus_, [join, k, done] {
        join->dropped[k] = true;
        done({});
      });
    }
  }
}

void Validator::OnFetchedReply(int peer, uint64_t from_height, uint64_t responder_height,
                               std::vector<consensus::CommittedBlock> blocks, bool cut_locally) {
  if (stopping_) return;
  SendFetches(fetch_.OnReply(peer, from_height, responder_height, std::move(blocks), MonoNow(),
                             cut_locally));
  ApplyFetched();
}

// Hands the replica the verified blocks that extend its tip, in height order.
void Validator::ApplyFetched() {
  std::vector<consensus::CommittedBlock> run = fetch_.TakeApplicable(replica_->committed_height());
  if (run.empty()) return;
  const consensus::Now now = Clocks();
  const size_t applied = replica_->StepFetchedBlocks(run, now);
  fetch_blocks_ += applied;
  for (size_t i = 0; i < applied; ++i) fetch_entries_ += run[i].entries.size();
  spdlog::debug("state transfer: applied {} of {} blocks, height={}", applied, run.size(),
                replica_->committed_height());
  SendFetches(fetch_.OnApplied(replica_->committed_height(), now.mono));
  Drain();
  NoteCaughtUp();
}

void Validator::SendFetches(const std::vector<FetchOrder>& orders) {
  for (const FetchOrder& order : orders) {
    if (fetch_started_at_ == 0) {
      fetch_started_at_ = MonoNow();
      catching_up_ = true;
      fetch_blocks_ = fetch_entries_ = 0;
      spdlog::info("state transfer: behind at height={}, peers report {}: first fetch",
                   replica_->committed_height(), fetch_.target());
    }
    pb::PeerPayload payload;
    payload.mutable_fetch()->set_from_height(order.from_height);
    payload.mutable_fetch()->set_max_blocks(order.max_blocks);
    spdlog::debug("state transfer: fetching {} blocks from height={} from {}", order.max_blocks,
                  order.from_height, genesis_.validators[order.peer].id);
    transport_->Send(order.peer, PayloadBytes(payload));
  }
}

// Logs the end of a transfer (the benchmark reads this line: docs/benchmarks.md).
void Validator::NoteCaughtUp() {
  if (fetch_started_at_ == 0 || fetch_.active()) return;
  const UnixMillis took = std::max<UnixMillis>(MonoNow() - fetch_started_at_, 1);
  spdlog::info(
      "state transfer: caught up at height={}: {} blocks, {} entries in {} ms since the first "
      "fetch ({} entries/s)",
      replica_->committed_height(), fetch_blocks_, fetch_entries_, took,
      fetch_entries_ * 1000 / took);
  fetch_started_at_ = 0;
  catching_up_ = false;
}

void Validator::OnFetchRequest(int peer, const pb::FetchBlocks& request) {
  uint64_t from = request.from_height();
  uint32_t max_blocks = request.max_blocks();
  // Reading and serializing (up to ~8 MiB) happen on a worker, off the io threads.
  bool accepted = transfer_workers_->Submit(
      io_.get_executor(),
      [this, from, max_blocks]() -> Result<std::pair<int, std::string>> {
        auto blocks = ReadBlocksForPeer(*log_, from, max_blocks);
        if (!blocks.ok()) return blocks.status();
        pb::PeerPayload reply;
        *reply.mutable_blocks() = std::move(*blocks);
        return std::make_pair(reply.blocks().blocks_size(), PayloadBytes(reply));
      },
      [this, peer, from](Result<std::pair<int, std::string>> reply) {
        if (stopping_) return;
        if (!reply.ok()) {
          spdlog::warn("cannot serve blocks to {}: {}", genesis_.validators[peer].id,
                       reply.status().ToString());
          return;
        }
        spdlog::debug("serving {} blocks from height={} to {} ({} bytes)", reply->first, from,
                      genesis_.validators[peer].id, reply->second.size());
        transport_->Send(peer, std::move(reply->second));
      });
  if (!accepted) metrics_.Increment(kPeerRejectedMetric, "reason=\"overloaded\"");
}

// Under load many verified messages and admitted deposits are queued on consensus_ at once;
// stepping them all and then processing one Ready costs one synced write for the lot instead of
// one per message. The drain is posted behind what is already queued, so it runs after them.
void Validator::ScheduleDrain() {
  if (drain_scheduled_) return;
  drain_scheduled_ = true;
  boost::asio::post(consensus_, [this] {
    drain_scheduled_ = false;
    Drain();
  });
}

void Validator::Drain() {
  while (!stopping_ && replica_->HasReady()) {
    ProcessReady(replica_->TakeReady());
    if (stopping_) return;
    replica_->Advance();
  }
  RefreshStatus();
}

void Validator::ProcessReady(consensus::Ready ready) {
  // 1. Persist before anything that depends on it leaves this process.
  if (auto s = PersistConsensus(*store_, ready.persist); !s.ok()) {
    Fatal("cannot persist consensus state: " + s.ToString());
    return;
  }
  // 2. Send.
  for (auto& out : ready.messages) {
    pb::PeerPayload payload;
    payload.set_consensus(std::move(out.wire));
    if (out.to == consensus::kBroadcast) {
      transport_->Broadcast(PayloadBytes(payload));
    } else {
      transport_->Send(out.to, PayloadBytes(payload));
    }
  }
  // 3. Append committed blocks.
  for (const auto& block : ready.committed) {
    AppendCommitted(block);
    if (stopping_) return;
  }
  // 4. Fetch.
  if (ready.fetch) {
    // The replica names the peers it knows to be ahead; the others may be too (their status can
    // be queued behind a backlog on their link): ask them as well, the pipeline spreads the load.
    consensus::FetchRequest request = *ready.fetch;
    for (int i = 0; i < static_cast<int>(genesis_.n()); ++i) {
      if (i != self_ &&
          std::find(request.peers.begin(), request.peers.end(), i) == request.peers.end()) {
        request.peers.push_back(i);
      }
    }
    SendFetches(fetch_.OnRequest(request, MonoNow()));
  }
  // 5. Events.
  for (const auto& e : ready.events) {
    using Kind = consensus::Event::Kind;
    switch (e.kind) {
      case Kind::kViewChangeStarted:
        metrics_.Increment(kViewChangesStartedMetric, "reason=\"" + e.detail + "\"");
        spdlog::warn("view change started: to view={} height={} ({})", e.view,
                     replica_->committed_height(), e.detail);
        break;
      case Kind::kRestoredBoundsKnown:
        // Persisted in this Ready (step 1): the marker has done its job.
        spdlog::warn(
            "restored from a backup: withholding votes up to seq={} and view-changes up "
            "to view={}; clearing the restore marker",
            e.seq, e.view);
        if (auto cleared = storage::ClearRestoreMarker(*store_); !cleared.ok()) {
          spdlog::error("cannot clear the restore marker: {}", cleared.ToString());
        }
        break;
      case Kind::kViewChanged:
        metrics_.Increment(kViewChangesMetric);
        spdlog::warn("entered view={} primary={} height={}", e.view,
                     genesis_.validators[e.view % genesis_.n()].id, replica_->committed_height());
        break;
      case Kind::kEquivocation: {
        metrics_.Increment(kEquivocationsMetric);
        spdlog::error("equivocation by the primary of view={} at seq={}: evidence kept", e.view,
                      e.seq);
        storage::WriteBatch batch;
        for (size_t i = 0; i < e.evidence.size(); ++i) {
          batch.Put(storage::keys::Meta("evidence/equivocation/" + std::to_string(e.view) + "/" +
                                        std::to_string(e.seq) + "/" + std::to_string(i)),
                    e.evidence[i]);
        }
        if (auto s = store_->Write(batch, true); !s.ok()) {
          spdlog::error("cannot store equivocation evidence: {}", s.ToString());
        }
        break;
      }
      case Kind::kDropped:
        metrics_.Increment(kDroppedMetric, "reason=\"" + e.detail + "\"");
        spdlog::debug("dropped message from peer {}: {} (view={} seq={})", e.peer, e.detail, e.view,
                      e.seq);
        break;
      case Kind::kStableCheckpoint:
        spdlog::debug("stable checkpoint at seq={}", e.seq);
        break;
      case Kind::kStateTransfer:
        spdlog::info("state transfer: {} height={}", e.detail, replica_->committed_height());
        break;
    }
  }
}

void Validator::AppendCommitted(const consensus::CommittedBlock& block) {
  storage::BlockToAppend append{block.header, block.certificate, block.entries, block.leaves};
  if (block.header.height == 1 && block.header.prev_hash != genesis_.hash) {
    Fatal("block 1 does not follow the genesis");
    return;
  }
  if (auto s = log_->AppendBlock(append); !s.ok()) {
    Fatal("cannot append block " + std::to_string(block.header.height) + ": " + s.ToString());
    return;
  }
  std::vector<Hash32> ids;
  ids.reserve(block.entries.size());
  for (const auto& e : block.entries) ids.push_back(crypto::Sha256(e.statement));
  const std::vector<double> latencies = admission_->Settle(ids);
  for (double seconds : latencies) metrics_.Observe(api::metric::kCommitLatency, seconds);
  metrics_.Increment(api::metric::kBlocksCommitted);
  {
    // Completes the HTTP requests parked on ?wait=commit (the listener only queues work).
    std::lock_guard<std::mutex> lock(commit_listener_mu_);
    if (commit_listener_) commit_listener_(ids);
  }
  spdlog::info("committed height={} entries={} log_size={} view={} proposer={}",
               block.header.height, block.entries.size(), block.header.log_size, block.header.view,
               block.header.proposer);
}

void Validator::Offence(int peer, const std::string& reason) {
  const std::string& id = genesis_.validators[peer].id;
  metrics_.Increment(kPeerMisbehaviourMetric, "peer=\"" + id + "\",reason=\"" + reason + "\"");
  const std::optional<std::chrono::milliseconds> suspension =
      misbehaviour_.Record(peer, std::chrono::steady_clock::now());
  if (!suspension) return;
  metrics_.Increment(kPeerSuspensionsMetric, "peer=\"" + id + "\"");
  spdlog::warn(
      "peer {} suspended for {} s: it keeps sending what no correct validator sends "
      "(last: {}; evchain_peer_misbehaviour_total)",
      id, suspension->count() / 1000.0, reason);
  transport_->Suspend(peer, *suspension);
}

void Validator::ExportTransportStats() {
  if (!transport_) return;
  net::TransportStats t = transport_->Stats();
  auto set = [this](const char* name, uint64_t value, const std::string& labels = "") {
    metrics_.SetGauge(name, static_cast<double>(value), labels);
  };
  set("evchain_peer_frames_total", t.frames_in, "direction=\"in\"");
  set("evchain_peer_frames_total", t.frames_out, "direction=\"out\"");
  set("evchain_peer_bytes_total", t.bytes_in, "direction=\"in\"");
  set("evchain_peer_bytes_total", t.bytes_out, "direction=\"out\"");
  set("evchain_peer_handshakes_total", t.handshakes_ok);
  for (size_t i = 0; i < net::kRejectReasonCount; ++i) {
    set("evchain_peer_handshakes_rejected_total", t.handshakes_rejected[i],
        "reason=\"" + std::string(net::RejectReasonName(static_cast<net::RejectReason>(i))) + "\"");
  }
  set("evchain_peer_oversized_frames_total", t.oversized_frames);
  set("evchain_peer_decrypt_failures_total", t.decrypt_failures);
  set("evchain_peer_send_queue_dropped_total", t.send_queue_dropped);
  set("evchain_peer_links_up_total", t.links_up);
  for (const net::PeerStatus& p : transport_->Peers()) {
    const std::string label = "peer=\"" + genesis_.validators[p.index].id + "\"";
    set("evchain_peer_receive_bytes", p.receive_bytes, label);
    set("evchain_peer_receive_payloads", p.receive_payloads, label);
    set("evchain_peer_read_pauses_total", p.read_pauses, label);
  }
}

void Validator::RefreshStatus() {
  uint64_t view = replica_->view();
  view_ = view;
  primary_ = replica_->primary();
  committed_height_ = replica_->committed_height();
  replica_pending_ = replica_->pending();
  metrics_.SetGauge(kReplicaPendingMetric, static_cast<double>(replica_->pending()));
  metrics_.SetGauge(kDepositChecksMetric, static_cast<double>(verified_deposits_->verified()),
                    "result=\"verified\"");
  metrics_.SetGauge(kDepositChecksMetric, static_cast<double>(verified_deposits_->cached()),
                    "result=\"cached\"");
  metrics_.SetGauge(kDepositChecksMetric,
                    static_cast<double>(verified_deposits_->committed_skipped()),
                    "result=\"committed\"");
  metrics_.SetGauge(api::metric::kView, static_cast<double>(view));
  metrics_.SetGauge(api::metric::kHeight, static_cast<double>(log_->height()));
  metrics_.SetGauge(api::metric::kLogSize, static_cast<double>(log_->size()));
  metrics_.SetGauge(api::metric::kPending, static_cast<double>(admission_->pending()));
  if (transport_) {
    metrics_.SetGauge(api::metric::kPeersConnected,
                      static_cast<double>(transport_->ConnectedPeers().size()));
  }
}

evchain::Status Validator::Submit(const std::vector<ledger::Entry>& entries) {
  return admission_->Admit(entries, /*journal=*/true);
}

// The deposits admission queued (node/admission.h), proposed together: one Ready.
void Validator::ProposeAdmitted() {
  std::vector<ledger::Entry> entries = admission_->TakeQueued();
  if (stopping_) return;
  const consensus::Now now = Clocks();
  for (const auto& e : entries) {
    auto s = replica_->Propose(e, now);
    if (!s.ok()) {
      // "already_committed" races with a commit; anything else was checked by the API.
      if (s.code() != "already_committed") {
        spdlog::warn("deposit not proposed: {}", s.ToString());
      }
      admission_->Settle({crypto::Sha256(e.statement)});
    }
  }
  ScheduleDrain();
}

bool Validator::Overloaded() const { return admission_->Overloaded(); }

bool Validator::IsPending(const Hash32& evidence_id) const {
  return admission_->IsPending(evidence_id);
}

size_t Validator::ReplicaPending() const { return replica_pending_.load(); }

bool Validator::Committed(const Hash32& evidence_id) const { return Contains(evidence_id); }

std::optional<Hash32> Validator::CommittedNonceOwner(const std::string& depositor,
                                                     const std::string& nonce) const {
  auto existing = log_->FindByNonce(depositor, nonce);
  if (!existing.ok()) return std::nullopt;
  return *existing;
}

void Validator::Verified(const ledger::Entry& entry) {
  verified_deposits_->MarkVerified(consensus::DepositCheckKey(entry));
}

void Validator::QueueReady() {
  boost::asio::post(consensus_, [this] { ProposeAdmitted(); });
}

void Validator::SetCommitListener(std::function<void(const std::vector<Hash32>&)> listener) {
  std::lock_guard<std::mutex> lock(commit_listener_mu_);
  commit_listener_ = std::move(listener);
}

api::NodeStatusInfo Validator::Status() const {
  api::NodeStatusInfo info;
  info.validator_id = config_.validator_id;
  info.role = std::string(genesis::RoleName(genesis_.validators[self_].role));
  info.view = view_.load();
  info.primary_id = genesis_.validators[primary_.load() % genesis_.n()].id;
  info.height = log_->height();
  info.log_size = log_->size();
  info.pending = admission_->pending();
  info.peers_connected = transport_ ? transport_->ConnectedPeers().size() : 0;
  if (info.height > 0) {
    auto block = log_->GetBlock(info.height);
    if (block.ok()) info.last_block_time = block->header.time;
  }
  return info;
}

bool Validator::Contains(const Hash32& evidence_id) const {
  auto found = log_->FindByEvidenceId(evidence_id);
  return found.ok() && found->has_value();
}

std::optional<Hash32> Validator::NonceOwner(const std::string& depositor,
                                            const std::string& nonce) const {
  auto found = log_->FindByNonce(depositor, nonce);
  if (!found.ok()) {
    // A storage read error: the replica treats the nonce as free, so a block that reuses it
    // may be accepted here; the other replicas' checks still decide it.
    spdlog::error("nonce index read failed: {}", found.status().ToString());
    return std::nullopt;
  }
  return *found;
}

}  // namespace evchain::node
