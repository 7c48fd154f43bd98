// Carries out a consensus::Ready in the order the replica's safety rests on (consensus/replica.h,
// docs/node.md "Ready processing"):
//   1. persist the replica's records, synced, before anything that depends on them leaves the
//      process (a restarted validator must never sign a vote conflicting with one it sent);
//   2. send the messages;
//   3. append the committed blocks, in height order, each synced;
//   4. hand on the fetch request (state transfer);
//   5. report the events.
// A failed persist or append ends the Ready there, and Apply returns the failure: the host must
// then stop the replica (sending after a failed persist could break that promise).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "consensus/replica.h"

namespace evchain::node {

class ReadyApplier {
 public:
  class Host {
   public:
    virtual ~Host() = default;
    // One atomic, synced write of every op, in order.
    virtual Status Persist(const std::vector<consensus::PersistOp>& ops) = 0;
    // `to`: a validator index, or consensus::kBroadcast for every other validator.
    virtual void Send(int to, std::string wire) = 0;
    // Appends one committed block, synced, and tells whoever waits for its deposits.
    virtual Status Append(const consensus::CommittedBlock& block) = 0;
    virtual void Fetch(const consensus::FetchRequest& request) = 0;
    virtual void Report(const consensus::Event& event) = 0;
  };

  explicit ReadyApplier(Host* host) : host_(host) {}

  // Ok when every step was carried out; else the persist or append failure, with what it was
  // doing ("persist: ...", "append block N: ...").
  Status Apply(consensus::Ready ready);

 private:
  Host* host_;
};

}  // namespace evchain::node
