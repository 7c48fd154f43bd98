// The fetching side of state transfer (docs/node.md "State transfer"): the replica's
// FetchRequests and the peers' replies go through a FetchPipeline (node/block_transfer.h), and
// the verified blocks that extend the replica's tip go to the replica in height order. It also
// knows when a transfer starts and ends (catching_up, the "caught up" log line the benchmarks
// read), and when a validator restored from a backup votes again, the end of its recovery after
// the transfer (VotingAgain). Single-threaded: the validator drives it on its consensus strand.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "consensus/replica.h"
#include "node/block_transfer.h"

namespace evchain::node {

class TransferDriver {
 public:
  class Host {
   public:
    virtual ~Host() = default;
    // Ask `peer` for up to `max_blocks` committed blocks from `from_height` on.
    virtual void SendFetch(int peer, uint64_t from_height, uint32_t max_blocks) = 0;
    virtual uint64_t CommittedHeight() const = 0;
    // Hands verified blocks to the replica (Replica::StepFetchedBlocks, then its Ready); returns
    // how many it applied.
    virtual size_t ApplyBlocks(const std::vector<consensus::CommittedBlock>& blocks) = 0;
  };

  TransferDriver(Host* host, FetchPipelineOptions options) : host_(host), pipeline_(options) {}

  // The replica's FetchRequest (`now`: the monotonic clock, as for every time here).
  void OnRequest(const consensus::FetchRequest& request, UnixMillis now);
  // A peer's reply, decoded and checked (consensus::VerifyFetchedBlocks); `cut_locally`: this
  // node dropped the reply's tail unchecked (FetchPipeline::OnReply).
  void OnReply(int peer, uint64_t from_height, uint64_t responder_height,
               std::vector<consensus::CommittedBlock> blocks, bool cut_locally, UnixMillis now);
  // Timer: requests unanswered too long go to another peer.
  void Tick(UnixMillis now);

  // How many blocks the request for `from_height` asked for, if it is still wanted: replies to
  // anything else need no checking at all.
  std::optional<uint32_t> Asked(uint64_t from_height) const { return pipeline_.Asked(from_height); }
  // Fed the replica's Replica::abstaining() (a validator restored from a backup withholds its
  // votes until past what it may have signed before) on every tick: the info line for the tick
  // on which it stops withholding them, once per restore; nullopt otherwise. The replica logs
  // when it starts ("withholding votes up to seq=...").
  std::optional<std::string> VotingAgain(bool abstaining);

  // A transfer is running (thread-safe: the peer inbox reads it to drop FORWARDs meanwhile).
  bool catching_up() const { return catching_up_.load(); }

 private:
  void Send(const std::vector<FetchOrder>& orders, UnixMillis now);
  void ApplyReady(UnixMillis now);
  void NoteCaughtUp(UnixMillis now);

  Host* host_;
  FetchPipeline pipeline_;
  std::atomic<bool> catching_up_{false};
  UnixMillis started_at_ = 0;  // 0: no transfer running
  uint64_t blocks_ = 0;        // applied by the running transfer
  uint64_t entries_ = 0;
  bool abstaining_ = false;  // at the last VotingAgain
};

}  // namespace evchain::node
