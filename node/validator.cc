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
#include "common/host_port.h"
#include "common/thread_name.h"
#include "consensus/message.h"
#include "crypto/sha256.h"
#include "ledger/statement.h"
#include "node/block_transfer.h"
#include "node/consensus_store.h"
#include "node/empty_data_dir.h"
#include "node/validator_internal.h"
#include "storage/backup.h"
#include "storage/keys.h"

namespace evchain::node {

using namespace internal;  // NOLINT(google-build-using-namespace): this module's own helpers

namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(20);
constexpr char kGenesisHashMeta[] = "genesis_hash";
constexpr char kValidatorIdMeta[] = "validator_id";
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

// Ties the data directory to one validator: its consensus records are that validator's votes
// and its pending journal that validator's acknowledged deposits. A file copy of another
// validator's directory holds none of this validator's votes and no restore marker, so the
// replica would vote at once, and could sign a second PREPARE or COMMIT for a slot it voted on
// before (docs/operations.md "Backing up and restoring"); it is refused. A restored copy (a
// backup or a snapshot, `restored`) may come from any validator: its marker makes the replica
// withhold its votes until past anything it may have signed, so it is taken over. A directory
// without the record (made before it existed) is taken as this validator's.
Status CheckDataDirOwner(storage::KvStore& store, const std::string& validator_id, bool restored) {
  auto key = storage::keys::Meta(kValidatorIdMeta);
  auto existing = store.Get(key);
  if (!existing.ok()) return existing.status();
  if (existing->has_value() && **existing == validator_id) return Status::Ok();
  if (existing->has_value() && !restored) {
    return Status::Error(
        "wrong_validator",
        "the data directory is validator " + **existing + "'s (its votes and pending deposits), " +
            "not " + validator_id + "'s, and carries no restore marker: started on it, " +
            validator_id + " would vote without its own vote history. Give " + validator_id +
            " its own data directory, or one restored from a backup or a snapshot, which "
            "carry the restore marker (docs/operations.md \"Backing up and restoring a data "
            "directory\")");
  }
  if (existing->has_value()) {
    spdlog::warn("the data directory is restored from validator {}'s backup: taken over by {}",
                 **existing, validator_id);
  }
  storage::WriteBatch batch;
  batch.Put(key, validator_id);
  return store.Write(batch, true);
}

}  // namespace

Validator::Validator(NodeConfig config, genesis::Genesis genesis, crypto::SecretKey key, int self)
    : config_(std::move(config)),
      genesis_(std::move(genesis)),
      key_(std::move(key)),
      self_(self),
      consensus_(io_.get_executor()),
      tick_timer_(consensus_),
      cut_timer_(consensus_),
      signals_(io_, SIGINT, SIGTERM),
      transfer_(
          static_cast<TransferDriver::Host*>(this),
          FetchPipelineOptions{.timeout_ms = std::max<UnixMillis>(
                                   2 * UnixMillis{genesis_.params.view_change_timeout_ms}, 100),
                               .penalty_ms = std::max<UnixMillis>(
                                   2 * UnixMillis{genesis_.params.view_change_timeout_ms}, 100),
                               .hint_quorum = (genesis_.n() - 1) / 3 + 1}) {}

Validator::~Validator() {
  if (http_) http_->Stop();
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
  auto owner = v->store_->Get(storage::keys::Meta(kValidatorIdMeta));
  if (!owner.ok()) return owner.status();
  // Before CheckDataDirOwner records the owner: nothing of any validator's in it yet.
  const bool nothing_yet = !marker->has_value() && !owner->has_value() && v->log_->height() == 0 &&
                           restored.records.empty();
  auto empty_dir = CheckEmptyDataDir(*v->store_, nothing_yet, v->log_->height());
  if (!empty_dir.ok()) return empty_dir.status();
  EVCHAIN_RETURN_IF_ERROR(CheckDataDirOwner(*v->store_, config.validator_id, marker->has_value()));
  if (marker->has_value()) {
    restored.from_backup =
        consensus::RestoredFromBackup{(*marker)->consensus_seq, (*marker)->consensus_view};
    spdlog::warn(
        "the data directory is restored from a backup taken at height {}: this "
        "validator withholds its votes until the others tell it how far they are",
        (*marker)->height);
  } else if (*empty_dir == EmptyDataDir::kVotedBefore) {
    restored.from_backup = consensus::RestoredFromBackup{};
    spdlog::warn(
        "this validator voted before its data directory was emptied (or its check of the empty "
        "directory was interrupted): it withholds its votes, as one restored from a backup of "
        "nothing, until the others tell it how far they are");
  } else if (*empty_dir == EmptyDataDir::kChecking) {
    restored.empty_data_dir = true;
    spdlog::info(
        "the data directory was empty: this validator withholds its votes until it has caught "
        "up with the others and checked that no block of the chain carries its signature and no "
        "other validator holds a vote it signed (a validator that voted before and lost its data "
        "must not vote again)");
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
  v->committed_index_ = std::make_unique<FailClosedIndex>(
      [log = v->log_.get()](const Hash32& id) { return log->FindByEvidenceId(id); },
      [log = v->log_.get()](const std::string& depositor, const std::string& nonce) {
        return log->FindByNonce(depositor, nonce);
      },
      [raw = v.get()](const evchain::Status& status) { raw->IndexReadFailed(status); });
  v->replica_ = std::make_unique<consensus::Replica>(
      v->genesis_, self, v->key_, std::move(restored), v->committed_index_.get());

  v->api_config_ = ApiConfigFrom(config);
  api::metric::DescribeAll(v->metrics_);
  v->metrics_.Describe(kDroppedMetric, "counter",
                       "Consensus messages dropped by the replica, by reason.");
  PeerInbox::DescribeMetrics(v->metrics_);
  v->metrics_.Describe(kViewChangesMetric, "counter", "Views entered after a view change.");
  v->metrics_.Describe(kIndexReadErrorsMetric, "counter",
                       "Reads of the committed log's indexes that failed for the replica (each "
                       "counts as committed: the replica refuses what it cannot check).");
  v->metrics_.Increment(kIndexReadErrorsMetric, "", 0);
  v->metrics_.Describe(kEquivocationsMetric, "counter",
                       "Equivocating primaries detected (two pre-prepares for one slot).");
  v->metrics_.Describe(kViewChangesStartedMetric, "counter",
                       "View changes this replica started, by the rule that fired.");
  v->metrics_.Describe(kReplicaPendingMetric, "gauge",
                       "Deposits the replica holds not yet committed, forwarded ones included.");
  v->metrics_.Describe(kOverloadedMetric, "gauge",
                       "1 while requests are refused as overloaded (503: a full pending pool "
                       "or handler queue), 0 once none was for 5 s.");
  v->metrics_.SetGauge(kOverloadedMetric, 0);
  v->metrics_.Describe(kDepositChecksMetric, "counter",
                       "Deposits met by the signature checks: result=verified (signature checked: "
                       "once per deposit, fetched blocks included), cached (verified before), "
                       "committed (a FORWARDed deposit already in the log: not checked).");
  v->metrics_.Describe(kStatementParsesMetric, "counter",
                       "Deposit statements the replica parsed and hashed itself, having no facts "
                       "from an earlier check, by path (pre_prepare, block_cut, forward: 0 on "
                       "the normal path; committed_block: fetched or restored blocks).");
  for (const char* path : {"pre_prepare", "block_cut", "forward", "committed_block"}) {
    v->metrics_.SetGauge(kStatementParsesMetric, 0, std::string("path=\"") + path + "\"");
  }
  // Well above the pool bound, so a deposit is evicted only after waiting very long.
  v->verified_deposits_ = std::make_unique<VerifiedDeposits>(
      std::max<size_t>(size_t{4} * config.max_pending, size_t{1} << 16),
      [index = v->committed_index_.get()](const Hash32& id) { return index->Contains(id); });
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
           {"evchain_peer_connect_failures_total",
            "Dials to peers that failed before a handshake."},
           {"evchain_peer_duplicate_links_total",
            "Authenticated connections closed by the one-link rule (a peer's new link retires "
            "its old one)."},
           {"evchain_peer_retired_links_cut_total",
            "Retired links of a peer closed before they drained: it kept more than two."},
           {"evchain_peer_handshakes_evicted_total",
            "Pending handshakes closed to make room for a new connection (also counted as "
            "rejected, reason evicted)."},
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
  send_drop_log_.emplace(SendDropLog::Bounds{options.max_queue_messages,
                                             options.max_queue_bytes >> 20,
                                             options.max_unreachable_queueing.count()});
  transport_->SetReceiveHandler(
      [this](int peer, const std::string& payload, net::ReceiveBudget::Credit credit) {
        inbox_->OnPayload(peer, payload, std::move(credit));
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
  // Thread names as docs/operations.md "Threads" lists them.
  verifiers_ = std::make_unique<net::ThreadPool>(verifier_threads_, 100000, "verify-blocks");
  small_verifiers_ = std::make_unique<net::ThreadPool>(verifier_threads_, 100000, "verify-votes");
  forward_verifiers_ = std::make_unique<net::ThreadPool>(verifier_threads_, 100000, "verify-fwd");
  transfer_workers_ = std::make_unique<net::ThreadPool>(verifier_threads_, 10000, "transfer");
  snapshot_server_ = std::make_unique<SnapshotServer>(
      store_.get(), (std::filesystem::path(config_.data_dir) / kPeerSnapshotFile).string(),
      SnapshotServer::Options{});
  inbox_ = std::make_unique<PeerInbox>(
      genesis_, static_cast<PeerInbox::Host*>(this), &consensus_,
      PeerInbox::Pools{verifiers_.get(), small_verifiers_.get(), forward_verifiers_.get(),
                       transfer_workers_.get(), verifier_threads_},
      &metrics_, verified_deposits_.get());

  auto http_addr = ParseHostPort(config_.http_listen, PortZero::kAllowed);
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
    SetCurrentThreadName("lookup-filter");
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
  // The main thread keeps the process's name (what ps, pgrep and killall match).
  for (size_t i = 1; i < threads; ++i) {
    pool.emplace_back([this] {
      SetCurrentThreadName("node-io");
      io_.run();
    });
  }
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
  cut_timer_.cancel();
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

// A block falls due 25 ms after the last cut when none is in flight (an eighth of the default
// block interval), but the regular tick comes every 20 ms: a due cut no deposit or message
// prompted waited for the next tick, up to 20 ms more (a waiting client's p50 at 32 connections:
// 42 ms, docs/benchmarks.md). The replica names when its next cut falls due; a timer Ticks it then.
void Validator::ArmCutTimer() {
  const std::optional<int64_t> due = replica_->NextCutDue();
  if (stopping_ || !due || *due == cut_timer_due_) return;
  // Due already by this clock (it ran on since the replica's last call): Tick at once.
  const int64_t wait_ms = std::max<int64_t>(*due - MonoNow(), 0);
  cut_timer_due_ = *due;
  cut_timer_.expires_after(std::chrono::milliseconds(wait_ms));  // cancels an earlier wait
  cut_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    cut_timer_due_ = 0;
    replica_->Tick(Clocks());
    Drain();
  });
}

void Validator::ScheduleTick() {
  if (stopping_) return;
  tick_timer_.expires_after(kTickInterval);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    replica_->Tick(Clocks());
    Drain();
    transfer_.Tick(MonoNow());
    // The end of an empty data directory's check has its own line (kEmptyDataDirChecked).
    if (std::optional<std::string> line =
            transfer_.VotingAgain(replica_->abstaining() && !replica_->checking_empty_data_dir())) {
      spdlog::info("{}", *line);
    }
    if (++ticks_ % 25 == 0) {  // twice a second
      ExportTransportStats();
      ReportOverload();
    }
    ScheduleTick();
  });
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
  set("evchain_peer_connect_failures_total", t.connect_failures);
  set("evchain_peer_duplicate_links_total", t.duplicate_links);
  set("evchain_peer_retired_links_cut_total", t.retired_cut);
  set("evchain_peer_handshakes_evicted_total", t.handshakes_evicted);
  std::vector<SendDropLog::Peer> peers;
  for (const net::PeerStatus& p : transport_->Peers()) {
    const std::string label = "peer=\"" + genesis_.validators[p.index].id + "\"";
    set("evchain_peer_receive_bytes", p.receive_bytes, label);
    set("evchain_peer_receive_payloads", p.receive_payloads, label);
    set("evchain_peer_read_pauses_total", p.read_pauses, label);
    peers.push_back({genesis_.validators[p.index].id, p.dropped, p.connected});
  }
  if (auto line = send_drop_log_->Update(MonoNow(), peers)) WriteLog(*line);
  for (const LogLine& line : inbox_->ReportTrouble(MonoNow(), transport_->HandshakeRefusals(),
                                                   transport_->FlappingLinks())) {
    WriteLog(line);
  }
}

void Validator::WriteLog(const LogLine& line) {
  if (line.warning) {
    spdlog::warn("{}", line.text);
  } else {
    spdlog::info("{}", line.text);
  }
}

void Validator::ReportOverload() {
  const OverloadLog::Pending pending{replica_->pending(), admission_->pending(),
                                     admission_->max_pending(), http_->queued_requests(),
                                     api_config_.max_queued_requests};
  const uint64_t refused = admission_->overload_refusals() + http_->busy_refusals();
  if (auto line = overload_log_.Update(refused, MonoNow(), pending)) WriteLog(*line);
  metrics_.SetGauge(kOverloadedMetric, overload_log_.overloaded() ? 1 : 0);
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
  for (const auto& [path, count] : replica_->statement_parses()) {
    metrics_.SetGauge(kStatementParsesMetric, static_cast<double>(count), "path=\"" + path + "\"");
  }
  metrics_.SetGauge(api::metric::kView, static_cast<double>(view));
  metrics_.SetGauge(api::metric::kHeight, static_cast<double>(log_->height()));
  metrics_.SetGauge(api::metric::kLogSize, static_cast<double>(log_->size()));
  metrics_.SetGauge(api::metric::kPending, static_cast<double>(admission_->pending()));
  if (transport_) {
    metrics_.SetGauge(api::metric::kPeersConnected,
                      static_cast<double>(transport_->ConnectedPeers().size()));
  }
}

void Validator::Submit(std::vector<ledger::Entry> entries, std::vector<ledger::EntryFacts> facts,
                       SubmitDone done) {
  admission_->Admit(entries, facts, std::move(done));
}

// The deposits admission queued (node/admission.h), proposed together: one Ready.
void Validator::ProposeAdmitted() {
  std::vector<consensus::ClientDeposit> deposits = admission_->TakeQueued();
  if (stopping_) return;
  const consensus::Now now = Clocks();
  for (consensus::ClientDeposit& d : deposits) {
    const Hash32 id = d.id;
    auto s = replica_->Propose(std::move(d), now);
    if (!s.ok()) {
      // "already_committed" races with a commit; anything else was checked by the API.
      if (s.code() != "already_committed") {
        spdlog::warn("deposit not proposed: {}", s.ToString());
      }
      admission_->Settle({id});
    }
  }
  ScheduleDrain();
}

bool Validator::Overloaded(size_t incoming) const { return admission_->Overloaded(incoming); }
size_t Validator::MaxPending() const { return admission_->max_pending(); }

bool Validator::IsPending(const Hash32& evidence_id) const {
  return admission_->IsPending(evidence_id);
}

size_t Validator::ReplicaPending() const { return replica_pending_.load(); }

// Admission's question, failing open: a deposit whose lookup fails is journalled and
// proposed, never acknowledged as committed unjournalled (node/admission.h).
bool Validator::Committed(const Hash32& evidence_id) const {
  auto found = log_->FindByEvidenceId(evidence_id);
  return found.ok() && found->has_value();
}

Result<std::optional<Hash32>> Validator::CommittedNonceOwner(const std::string& depositor,
                                                             const std::string& nonce) const {
  Result<std::optional<Hash32>> existing = log_->FindByNonce(depositor, nonce);
  if (!existing.ok()) spdlog::error("nonce index read failed: {}", existing.status().ToString());
  return existing;
}

void Validator::Verified(const ledger::Entry& entry, const ledger::EntryFacts& facts) {
  verified_deposits_->MarkVerified(consensus::DepositCheckKey(entry, facts.statement_hash), facts);
}

void Validator::JournalFailed(const evchain::Status& status) {
  Fatal("cannot record deposits in the journal: " + status.ToString());
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

// Counted in /metrics; logged at most every 10 s with the count, so a failing disk does not
// write a line per lookup.
void Validator::IndexReadFailed(const evchain::Status& status) {
  const uint64_t count = ++index_read_errors_;
  metrics_.Increment(kIndexReadErrorsMetric);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = index_error_logged_ms_.load();
  if (last != 0 && now - last < 10000) return;
  if (!index_error_logged_ms_.compare_exchange_strong(last, now)) return;
  spdlog::error(
      "the committed log's index cannot be read ({}; {} failed reads so far): this validator "
      "refuses the blocks it cannot check and votes on none of them until reads work again",
      status.ToString(), count);
}

}  // namespace evchain::node
