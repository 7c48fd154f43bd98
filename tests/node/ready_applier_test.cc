// The Ready applier (node/ready_applier.h) against a recording host: the steps run in the order
// safety needs, and a failed persist or append stops the Ready there.
#include "node/ready_applier.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace evchain::node {
namespace {

class RecordingHost : public ReadyApplier::Host {
 public:
  Status Persist(const std::vector<consensus::PersistOp>& ops) override {
    calls.push_back("persist " + std::to_string(ops.size()));
    return fail_persist ? Status::Error("io_error", "disk full") : Status::Ok();
  }
  void Send(int to, std::string wire) override {
    calls.push_back("send " + std::to_string(to) + " " + wire);
  }
  Status Append(const consensus::CommittedBlock& block) override {
    calls.push_back("append " + std::to_string(block.header.height));
    return block.header.height == fail_append_at ? Status::Error("io_error", "disk full")
                                                 : Status::Ok();
  }
  void Fetch(const consensus::FetchRequest& request) override {
    calls.push_back("fetch " + std::to_string(request.from_height));
  }
  void Report(const consensus::Event& event) override { calls.push_back("event " + event.detail); }

  std::vector<std::string> calls;
  bool fail_persist = false;
  uint64_t fail_append_at = 0;
};

consensus::Ready FullReady() {
  consensus::Ready ready;
  ready.persist.push_back({"state", std::string("v")});
  ready.persist.push_back({"msg/1", std::nullopt});
  ready.messages.push_back({consensus::kBroadcast, "prepare"});
  ready.messages.push_back({2, "status"});
  for (uint64_t h : {7, 8}) {
    consensus::CommittedBlock b;
    b.header.height = h;
    ready.committed.push_back(b);
  }
  ready.fetch = consensus::FetchRequest{9, 20, {1}};
  consensus::Event e;
  e.detail = "stable";
  ready.events.push_back(e);
  return ready;
}

TEST_CASE("persist, then send, then append in order, then fetch, then events") {
  RecordingHost host;
  ReadyApplier applier(&host);
  CHECK(applier.Apply(FullReady()).ok());
  CHECK(host.calls == std::vector<std::string>{"persist 2", "send -1 prepare", "send 2 status",
                                               "append 7", "append 8", "fetch 9", "event stable"});
}

TEST_CASE("a failed persist sends nothing and appends nothing") {
  RecordingHost host;
  host.fail_persist = true;
  ReadyApplier applier(&host);
  const Status s = applier.Apply(FullReady());
  CHECK(s.code() == "io_error");
  CHECK(s.message() == "persist: disk full");
  CHECK(host.calls == std::vector<std::string>{"persist 2"});
}

TEST_CASE("a failed append stops at that block: no later block, fetch or event") {
  RecordingHost host;
  host.fail_append_at = 7;
  ReadyApplier applier(&host);
  const Status s = applier.Apply(FullReady());
  CHECK(s.message() == "append block 7: disk full");
  CHECK(host.calls ==
        std::vector<std::string>{"persist 2", "send -1 prepare", "send 2 status", "append 7"});
}

}  // namespace
}  // namespace evchain::node
