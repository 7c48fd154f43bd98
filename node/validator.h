// One running validator: the only place that wires Boost.Asio, the peer transport, the
// signature thread pool, LevelDB, the PBFT replica and the HTTP API together.
//
// Threads: an io_context run by a few threads. The replica lives on `consensus_` (a strand):
// every Step/Propose/Tick/TakeReady runs there. Peer payloads arrive on the transport's strand,
// are verified on a ThreadPool (one for messages carrying blocks, one for small messages, one for
// state transfer), and are posted to `consensus_`. HTTP connections live on the API server's own
// I/O thread and requests run on its workers (api/http_server.h); they reach the replica only by
// posting to `consensus_`, and parked ?wait=commit requests are completed from Append (the Ready
// applier).
//
// Ready processing (consensus/replica.h): persist (synced LevelDB batch) → send → append
// committed blocks (synced) → fetch (FetchPipeline: several requests in flight, replies decoded
// and verified on the ThreadPool in slices, applied in height order) → events. A failed persist or
// append stops the node: continuing could make it vote or serve inconsistently.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/context.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "api/node_service.h"
#include "consensus/committed_index.h"
#include "consensus/replica.h"
#include "crypto/ed25519.h"
#include "genesis/genesis.h"
#include "node/admission.h"
#include "node/block_transfer.h"
#include "node/clocks.h"
#include "node/config.h"
#include "node/fail_closed_index.h"
#include "node/log_line.h"
#include "node/net/thread_pool.h"
#include "node/net/transport.h"
#include "node/overload_log.h"
#include "node/peer_inbox.h"
#include "node/pending_journal.h"
#include "node/ready_applier.h"
#include "node/send_drop_log.h"
#include "node/snapshot_server.h"
#include "node/transfer_driver.h"
#include "node/verified_deposits.h"
#include "proto/node.pb.h"
#include "storage/evidence_log.h"
#include "storage/kv_store.h"

namespace evchain::node {

class Validator final : public api::NodeService,
                        private Admission::Host,
                        private ReadyApplier::Host,
                        private TransferDriver::Host,
                        private PeerInbox::Host {
 public:
  // Loads the genesis and key, opens the data directory and restores the replica.
  static Result<std::unique_ptr<Validator>> Open(const NodeConfig& config);
  ~Validator() override;

  // Binds the p2p and HTTP ports and starts every component. Errors leave nothing running.
  evchain::Status Start();
  // Runs the io_context on `threads` threads until Stop(); returns the exit status (0 clean,
  // 1 after a fatal storage error).
  int Run(size_t threads);
  // Starts a clean shutdown (also on SIGTERM/SIGINT once started): in-flight writes finish,
  // HTTP and peer links close, Run() returns. Thread-safe, idempotent.
  void Stop();

  // api::NodeService
  void Submit(std::vector<ledger::Entry> entries, std::vector<ledger::EntryFacts> facts,
              SubmitDone done) override;
  bool IsPending(const Hash32& evidence_id) const override;
  bool Overloaded(size_t incoming) const override;
  size_t MaxPending() const override;
  void SetCommitListener(std::function<void(const std::vector<Hash32>&)> listener) override;
  api::NodeStatusInfo Status() const override;
  const storage::EvidenceLog& Log() const override { return *log_; }

  int http_port() const { return http_ ? http_->port() : 0; }

 private:
  Validator(NodeConfig config, genesis::Genesis genesis, crypto::SecretKey key, int self);

  void ScheduleTick();
  // Arms cut_timer_ for Replica::NextCutDue (consensus strand, after every Drain).
  void ArmCutTimer();
  // Everything below runs on consensus_.
  void Drain();
  void ScheduleDrain();    // Drain once, after the tasks already queued on consensus_
  void ProposeAdmitted();  // proposes the deposits admission queued
  void ProcessReady(consensus::Ready ready);
  void RefreshStatus();
  // Sets the transports's counters in /metrics and logs episodes of dropped peer messages
  // (node/send_drop_log.h).
  void ExportTransportStats();
  // Logs the start, reminders and end of shedding load, and sets its gauge (node/overload_log.h).
  void ReportOverload();
  // Writes a line the operator logs decided on, at its level.
  static void WriteLog(const LogLine& line);
  void Fatal(const std::string& what);
  void DoStop();
  // ReadyApplier::Host (node/ready_applier.h): the Ready's steps against storage, the peer
  // links, the fetch pipeline, logs and metrics.
  evchain::Status Persist(const std::vector<consensus::PersistOp>& ops) override;
  void Send(int to, std::string wire) override;
  evchain::Status Append(const consensus::CommittedBlock& block) override;
  void Fetch(const consensus::FetchRequest& request) override;
  void Report(const consensus::Event& event) override;

  // PeerInbox::Host (node/peer_inbox.h).
  bool Stopping() const override { return stopping_.load(); }
  consensus::ReplicaSnapshot Snapshot() const override;
  void Step(const consensus::Message& message) override;
  std::optional<uint32_t> Asked(uint64_t from_height) const override;
  void FetchedReply(int peer, uint64_t from_height, uint64_t responder_height,
                    std::vector<consensus::CommittedBlock> blocks, bool cut_locally) override;
  void ServeFetch(int peer, const pb::FetchBlocks& request) override;
  void ServeSnapshot(int peer, const pb::FetchSnapshot& request) override;
  void Suspend(int peer, std::chrono::milliseconds duration) override;

  // TransferDriver::Host (node/transfer_driver.h).
  void SendFetch(int peer, uint64_t from_height, uint32_t max_blocks) override;
  uint64_t CommittedHeight() const override;
  size_t ApplyBlocks(const std::vector<consensus::CommittedBlock>& blocks) override;

  // Admission::Host (node/admission.h).
  size_t ReplicaPending() const override;
  bool Committed(const Hash32& evidence_id) const override;
  Result<std::optional<Hash32>> CommittedNonceOwner(const std::string& depositor,
                                                    const std::string& nonce) const override;
  void Verified(const ledger::Entry& entry, const ledger::EntryFacts& facts) override;
  void QueueReady() override;
  void JournalFailed(const evchain::Status& status) override;
  // Proposes again the deposits acknowledged before a restart (from the journal).
  evchain::Status ResumePending();

  const NodeConfig config_;
  const genesis::Genesis genesis_;
  const crypto::SecretKey key_;
  const int self_;
  std::string log_prefix_;

  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<storage::EvidenceLog> log_;
  std::unique_ptr<consensus::Replica> replica_;
  std::unique_ptr<PendingJournal> journal_;
  std::unique_ptr<Admission> admission_;  // client deposits on their way to the replica
  // Snapshots for peers that join; destroyed after the workers that serve from it, before the
  // store it reads.
  std::unique_ptr<SnapshotServer> snapshot_server_;
  api::Metrics metrics_;
  api::ApiConfig api_config_;

  boost::asio::io_context io_;
  boost::asio::strand<boost::asio::io_context::executor_type> consensus_;
  boost::asio::steady_timer tick_timer_;
  // Ticks the replica when its next block cut falls due between two regular ticks (ArmCutTimer).
  boost::asio::steady_timer cut_timer_;
  int64_t cut_timer_due_ = 0;  // MonoNow() it is armed for; 0 = unarmed (consensus strand)
  boost::asio::signal_set signals_;
  std::unique_ptr<net::Transport> transport_;
  std::unique_ptr<PeerInbox> inbox_;  // what peers send (created by Start, with the pools)
  std::unique_ptr<VerifiedDeposits> verified_deposits_;  // each deposit verified once
  // The replica's lookups of the committed log, failing closed (node/fail_closed_index.h).
  std::unique_ptr<FailClosedIndex> committed_index_;
  // Index reads that failed for the replica, and when one was last logged (IndexReadFailed).
  std::atomic<uint64_t> index_read_errors_{0};
  std::atomic<int64_t> index_error_logged_ms_{0};
  void IndexReadFailed(const evchain::Status& status);
  std::unique_ptr<net::ThreadPool> verifiers_;          // consensus messages carrying blocks
  std::unique_ptr<net::ThreadPool> small_verifiers_;    // the other consensus messages
  std::unique_ptr<net::ThreadPool> forward_verifiers_;  // FORWARDs: client traffic, last
  std::unique_ptr<net::ThreadPool> transfer_workers_;   // serving and checking fetched blocks
  std::unique_ptr<api::HttpServer> http_;
  std::mutex commit_listener_mu_;
  std::function<void(const std::vector<Hash32>&)> commit_listener_;  // guarded by the mutex

  // Snapshot of the replica for other threads (HTTP status, metrics).
  std::atomic<uint64_t> view_{0};
  std::atomic<int> primary_{0};
  std::atomic<uint64_t> committed_height_{0};
  bool drain_scheduled_ = false;            // consensus_ only
  std::atomic<size_t> replica_pending_{0};  // deposits the replica holds, forwarded ones too
  std::atomic<bool> stopping_{false};
  std::atomic<int> exit_code_{0};
  size_t verifier_threads_ = 1;
  TransferDriver transfer_;  // state transfer, consensus_ only (catching_up() from anywhere)
  ReadyApplier ready_applier_{static_cast<ReadyApplier::Host*>(this)};  // consensus_ only
  uint64_t ticks_ = 0;
  OverloadLog overload_log_;                  // consensus_ only
  std::optional<SendDropLog> send_drop_log_;  // set by Start() with the transport; consensus_ only
};

}  // namespace evchain::node
