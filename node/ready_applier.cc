#include "node/ready_applier.h"

#include <utility>

namespace evchain::node {

Status ReadyApplier::Apply(consensus::Ready ready) {
  if (Status s = host_->Persist(ready.persist); !s.ok()) {
    return Status::Error(s.code(), "persist: " + s.message());
  }
  for (consensus::Outgoing& out : ready.messages) host_->Send(out.to, std::move(out.wire));
  for (const consensus::CommittedBlock& block : ready.committed) {
    if (Status s = host_->Append(block); !s.ok()) {
      return Status::Error(
          s.code(), "append block " + std::to_string(block.header.height) + ": " + s.message());
    }
  }
  if (ready.fetch) host_->Fetch(*ready.fetch);
  for (const consensus::Event& e : ready.events) host_->Report(e);
  return Status::Ok();
}

}  // namespace evchain::node
