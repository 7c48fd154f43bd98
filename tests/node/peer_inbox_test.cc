// The peer inbox (node/peer_inbox.h) with real worker pools and a fake host: verified messages
// are stepped, stale ones dropped without blame, what no correct validator sends is counted per
// peer and, past the allowance, suspends the peer; block replies nobody asked for cost no check.
#include "node/peer_inbox.h"

#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "consensus/message.h"
#include "crypto/sha256.h"
#include "node/block_transfer.h"
#include "node/clocks.h"
#include "proto/consensus.pb.h"
#include "storage/evidence_log.h"
#include "tests/resident_memory.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::node {
namespace {

class FakeInboxHost : public PeerInbox::Host {
 public:
  bool Stopping() const override { return false; }
  consensus::ReplicaSnapshot Snapshot() const override { return {5, false, false}; }
  void Step(const consensus::Message& m) override {
    std::lock_guard lock(mu);
    stepped.push_back(m.body().kind_case());
  }
  std::optional<uint32_t> Asked(uint64_t) const override { return std::nullopt; }
  void FetchedReply(int, uint64_t, uint64_t, std::vector<consensus::CommittedBlock>,
                    bool) override {
    ++replies;
  }
  void ServeFetch(int peer, const pb::FetchBlocks&) override { served = peer; }
  void ServeSnapshot(int peer, const pb::FetchSnapshot&) override { served = peer; }
  void Suspend(int peer, std::chrono::milliseconds duration) override {
    std::lock_guard lock(mu);
    suspended.emplace_back(peer, duration);
  }

  std::mutex mu;
  std::vector<consensus::pb::Body::KindCase> stepped;
  std::vector<std::pair<int, std::chrono::milliseconds>> suspended;
  std::atomic<int> replies{0};
  std::atomic<int> served{-1};
};

struct InboxFixture {
  explicit InboxFixture(InlineVoteBudget::Options inline_votes = {})
      : net(synthetic::MakeTestNetwork("inbox-test", 1795865400000)),
        strand(boost::asio::make_strand(io)),
        work(boost::asio::make_work_guard(io)),
        pool_large(1, 100, "verify-blocks"),
        pool_small(1, 100, "verify-votes"),
        pool_forwards(1, 100, "verify-fwd"),
        pool_transfer(1, 100, "transfer"),
        inbox(net.genesis, &host, &strand,
              PeerInbox::Pools{&pool_large, &pool_small, &pool_forwards, &pool_transfer, 1},
              &metrics, nullptr, {}, inline_votes) {
    runner = std::thread([this] { io.run(); });
  }
  ~InboxFixture() {
    work.reset();
    io.stop();
    runner.join();
  }

  std::string Consensus(int sender, const consensus::pb::Body& body, bool break_signature = false) {
    std::string wire =
        consensus::SignEnvelope(net.genesis, sender, net.validator_keys[sender], body);
    if (break_signature) {
      consensus::pb::Envelope env;
      env.ParseFromString(wire);
      std::string sig = env.signature();
      sig[0] = static_cast<char>(sig[0] ^ 1);
      env.set_signature(sig);
      wire = env.SerializeAsString();
    }
    pb::PeerPayload payload;
    payload.set_consensus(wire);
    return payload.SerializeAsString();
  }
  static consensus::pb::Body Status() {
    consensus::pb::Body body;
    body.mutable_status()->set_committed_height(3);
    return body;
  }
  void Deliver(int peer, const std::string& payload) {
    inbox.OnPayload(peer, payload, net::ReceiveBudget::Credit());
  }
  double Metric(const std::string& line_start) {
    const std::string text = metrics.RenderPrometheus();
    const size_t at = text.find(line_start + " ");
    return at == std::string::npos ? 0 : std::stod(text.substr(at + line_start.size() + 1));
  }
  // Waits (at most 20 s) until `done`: the inbox's work runs on its pools and strand.
  static bool WaitFor(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }
  size_t Stepped() {
    std::lock_guard lock(host.mu);
    return host.stepped.size();
  }

  synthetic::TestNetwork net;
  FakeInboxHost host;
  api::Metrics metrics;
  boost::asio::io_context io;
  PeerInbox::Strand strand;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  net::ThreadPool pool_large, pool_small, pool_forwards, pool_transfer;
  PeerInbox inbox;
  std::thread runner;
};

TEST_CASE("a verified message is stepped, a payload that does not parse is an offence") {
  InboxFixture fx;
  fx.Deliver(1, fx.Consensus(1, InboxFixture::Status()));
  fx.Deliver(1, "not a payload");
  REQUIRE(InboxFixture::WaitFor([&] {
    return fx.Stepped() == 1 &&
           fx.Metric(R"(evchain_peer_misbehaviour_total{peer="court-2",reason="malformed"})") == 1;
  }));
  {
    std::lock_guard lock(fx.host.mu);
    CHECK(fx.host.stepped == std::vector{consensus::pb::Body::kStatus});
    CHECK(fx.host.suspended.empty());
  }
  CHECK(fx.Metric(R"(evchain_peer_misbehaviour_total{peer="court-2",reason="malformed"})") == 1);
}

TEST_CASE("past 20 bad signatures in a minute the peer is suspended, once") {
  InboxFixture fx;
  for (int k = 0; k < 25; ++k) fx.Deliver(2, fx.Consensus(2, InboxFixture::Status(), true));
  REQUIRE(InboxFixture::WaitFor([&] {
    return fx.Metric(
               R"(evchain_peer_misbehaviour_total{peer="notary-1",reason="bad_signature"})") == 25;
  }));
  CHECK(fx.Metric(R"(evchain_peer_misbehaviour_total{peer="notary-1",reason="bad_signature"})") ==
        25);
  CHECK(fx.Metric(R"(evchain_peer_suspensions_total{peer="notary-1"})") == 1);
  std::lock_guard lock(fx.host.mu);
  REQUIRE(fx.host.suspended.size() == 1);
  CHECK(fx.host.suspended[0].first == 2);
  CHECK(fx.host.suspended[0].second == std::chrono::milliseconds(5000));
  CHECK(fx.host.stepped.empty());
}

TEST_CASE("stale messages and late block replies are dropped without blame") {
  InboxFixture fx;
  consensus::pb::Body old;  // a PRE-PREPARE for height 3: the replica has committed 5
  old.mutable_pre_prepare()->set_view(1);    // court-2 (validator 1) is view 1's primary
  old.mutable_pre_prepare()->add_entries();  // a block holds at least one deposit
  old.mutable_pre_prepare()->mutable_header()->set_height(3);
  for (int k = 0; k < 30; ++k) fx.Deliver(1, fx.Consensus(1, old));
  pb::PeerPayload blocks;
  blocks.mutable_blocks()->set_from_height(9);
  blocks.mutable_blocks()->add_blocks();
  fx.Deliver(3, blocks.SerializeAsString());
  REQUIRE(InboxFixture::WaitFor([&] {
    return fx.Metric(R"(evchain_peer_payloads_rejected_total{reason="already_committed"})") == 30 &&
           fx.Metric(R"(evchain_peer_payloads_rejected_total{reason="unsolicited_blocks"})") == 1;
  }));
  CHECK(fx.Metric(R"(evchain_peer_payloads_rejected_total{reason="already_committed"})") == 30);
  CHECK(fx.Metric(R"(evchain_peer_payloads_rejected_total{reason="unsolicited_blocks"})") == 1);
  CHECK(fx.host.replies == 0);
  std::lock_guard lock(fx.host.mu);
  CHECK(fx.host.suspended.empty());
  CHECK(fx.host.stepped.empty());
}

TEST_CASE("proposals rejected for clock skew: a warning with the offset, an end line later") {
  InboxFixture fx;
  consensus::pb::Body ahead;                   // 60 s ahead of this validator's clock
  ahead.mutable_pre_prepare()->set_view(1);    // court-2 (validator 1) is view 1's primary
  ahead.mutable_pre_prepare()->add_entries();  // a block holds at least one deposit
  ahead.mutable_pre_prepare()->mutable_header()->set_height(9);
  ahead.mutable_pre_prepare()->mutable_header()->set_time(WallNow() + 60000);
  fx.Deliver(1, fx.Consensus(1, ahead));
  REQUIRE(InboxFixture::WaitFor([&] {
    return fx.Metric(R"(evchain_peer_payloads_rejected_total{reason="clock_skew"})") == 1;
  }));
  const std::vector<LogLine> lines = fx.inbox.ReportTrouble(1000, {}, {});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].warning);
  const std::string& text = lines[0].text;
  const std::string prefix =
      "rejecting proposals for clock skew: court-2's block for height=9 has a time ";
  REQUIRE(text.find(prefix) == 0);
  // The block time minus our clock when the proposal arrived: 60 s less the time it took.
  const long long offset_ms = std::stoll(text.substr(prefix.size()));
  CHECK(offset_ms > 50000);
  CHECK(offset_ms <= 60000);
  CHECK(text.find(" ms ahead of this validator's clock, beyond the genesis max_clock_skew_ms (" +
                  std::to_string(fx.net.genesis.params.max_clock_skew_ms) +
                  " ms): this validator cannot vote until its clock is fixed (check NTP") !=
        std::string::npos);
  CHECK(fx.inbox.ReportTrouble(2000, {}, {}).empty());
  const std::vector<LogLine> end = fx.inbox.ReportTrouble(40000, {}, {});
  REQUIRE(end.size() == 1);
  CHECK_FALSE(end[0].warning);
  CHECK(end[0].text == "no longer rejecting proposals for clock skew; 1 rejected over 0.0 s");
  std::lock_guard lock(fx.host.mu);
  CHECK(fx.host.suspended.empty());
}

TEST_CASE("a FORWARD carrying a deposit that does not verify is its sender's offence") {
  InboxFixture fx;
  synthetic::ChainBuilder builder(fx.net, nullptr, 3);
  ledger::Entry good = builder.Deposit(crypto::Sha256("good"), "1");
  ledger::Entry bad = builder.Deposit(crypto::Sha256("bad"), "2");
  bad.signature[0] ^= 1;
  consensus::pb::Body ok_body, bad_body;
  consensus::ToProto(good, ok_body.mutable_forward()->add_entries());
  consensus::ToProto(bad, bad_body.mutable_forward()->add_entries());
  fx.Deliver(3, fx.Consensus(3, ok_body));
  fx.Deliver(3, fx.Consensus(3, bad_body));
  pb::PeerPayload fetch;
  fetch.mutable_fetch()->set_from_height(1);
  fx.Deliver(1, fetch.SerializeAsString());
  REQUIRE(InboxFixture::WaitFor([&] {
    return fx.Stepped() == 1 && fx.host.served == 1 &&
           fx.Metric(R"(evchain_peer_misbehaviour_total{peer="time-1",reason="bad_deposit"})") == 1;
  }));
  CHECK(fx.Metric(R"(evchain_peer_misbehaviour_total{peer="time-1",reason="bad_deposit"})") == 1);
  CHECK(fx.host.served == 1);
  std::lock_guard lock(fx.host.mu);
  CHECK(fx.host.stepped == std::vector{consensus::pb::Body::kForward});
}

// Holds the small-message pool's one worker until `release` is set.
void HoldSmallPool(InboxFixture& fx, const std::shared_future<void>& released) {
  REQUIRE(fx.pool_small.Submit(
      fx.strand,
      [released] {
        released.wait();
        return 0;
      },
      [](int) {}));
}

consensus::pb::Body Prepare(uint64_t seq) {
  consensus::pb::Body prepare;
  prepare.mutable_prepare()->set_view(0);
  prepare.mutable_prepare()->set_seq(seq);
  prepare.mutable_prepare()->set_digest(std::string(32, 'd'));
  return prepare;
}

TEST_CASE("votes are checked where they arrive, not behind a busy pool, and other messages wait") {
  InboxFixture fx;
  std::promise<void> release;
  HoldSmallPool(fx, release.get_future().share());
  const consensus::pb::Body prepare = Prepare(9);
  fx.Deliver(1, fx.Consensus(1, prepare));
  fx.Deliver(2, fx.Consensus(2, prepare, /*break_signature=*/true));
  fx.Deliver(1, fx.Consensus(1, InboxFixture::Status()));
  REQUIRE(InboxFixture::WaitFor([&] {
    return fx.Stepped() == 1 &&
           fx.Metric(
               R"(evchain_peer_misbehaviour_total{peer="notary-1",reason="bad_signature"})") == 1;
  }));
  {
    std::lock_guard lock(fx.host.mu);
    CHECK(fx.host.stepped == std::vector{consensus::pb::Body::kPrepare});
  }
  release.set_value();
  REQUIRE(InboxFixture::WaitFor([&] { return fx.Stepped() == 2; }));
  std::lock_guard lock(fx.host.mu);
  CHECK(fx.host.stepped ==
        std::vector{consensus::pb::Body::kPrepare, consensus::pb::Body::kStatus});
}

TEST_CASE("votes beyond a peer's inline budget wait for the pool, and other peers' do not") {
  InboxFixture fx({/*per_window=*/2, /*window=*/std::chrono::hours(1)});
  std::promise<void> release;
  HoldSmallPool(fx, release.get_future().share());
  for (uint64_t seq = 9; seq < 12; ++seq) fx.Deliver(1, fx.Consensus(1, Prepare(seq)));
  fx.Deliver(3, fx.Consensus(3, Prepare(9)));
  REQUIRE(InboxFixture::WaitFor([&] { return fx.Stepped() == 3; }));
  CHECK(fx.Metric(R"(evchain_peer_votes_over_inline_budget_total{peer="court-2"})") == 1);
  CHECK(fx.Metric(R"(evchain_peer_votes_over_inline_budget_total{peer="time-1"})") == 0);
  release.set_value();
  REQUIRE(InboxFixture::WaitFor([&] { return fx.Stepped() == 4; }));
  std::lock_guard lock(fx.host.mu);
  CHECK(fx.host.suspended.empty());
}

TEST_CASE("a body that starts as a vote and parses as another kind is its sender's offence") {
  InboxFixture fx;
  consensus::pb::Body view_change;
  view_change.mutable_view_change()->set_new_view(1);
  // Protobuf keeps the last field of a oneof: these bytes peek as a PREPARE, parse as a
  // VIEW-CHANGE.
  const std::string body = Prepare(9).SerializeAsString() + view_change.SerializeAsString();
  consensus::pb::Envelope env;
  env.set_sender(2);
  env.set_body(body);
  const Bytes signed_bytes = consensus::EnvelopeSigningBytes(fx.net.genesis, 2, body);
  const crypto::Signature sig = fx.net.validator_keys[2].Sign(signed_bytes);
  env.set_signature(std::string(sig.begin(), sig.end()));
  pb::PeerPayload payload;
  payload.set_consensus(env.SerializeAsString());
  REQUIRE(consensus::PeekKind(payload.consensus()) == consensus::pb::Body::kPrepare);
  fx.Deliver(2, payload.SerializeAsString());
  fx.Deliver(2, fx.Consensus(2, InboxFixture::Status()));
  REQUIRE(InboxFixture::WaitFor([&] {
    return fx.Stepped() == 1 &&
           fx.Metric(R"(evchain_peer_misbehaviour_total{peer="notary-1",reason="malformed"})") == 1;
  }));
  std::lock_guard lock(fx.host.mu);
  CHECK(fx.host.stepped == std::vector{consensus::pb::Body::kStatus});
}

TEST_CASE("a block reply of more blocks than a fetch asks for is refused before it is parsed") {
  // A frame of up to 16 MiB reaches the inbox, and libprotobuf makes an object of ~100 bytes
  // for each 2-byte empty block. Before 2026-12-07 a key holder's reply of 8 million empty
  // blocks, nobody having asked for any, cost the links' thread seconds and ~1 GB to parse
  // before it was dropped as unsolicited, 4 such replies in flight within its receive budget.
  // A reply holds at most kMaxBlocksPerFetch blocks: one with more is refused unparsed.
  InboxFixture fx;
  std::string payload = "\x1a";  // PeerPayload.blocks (field 3, length-delimited)
  std::string blocks;
  for (int i = 0; i < 8'000'000; ++i) blocks += std::string("\x0a\x00", 2);  // an empty block
  std::string length;
  for (uint64_t n = blocks.size(); n >= 0x80; n >>= 7) length += static_cast<char>(n | 0x80);
  length += static_cast<char>(blocks.size() >> (7 * length.size()));
  payload += length + blocks;
  blocks.clear();
  blocks.shrink_to_fit();
  const uint64_t before = evchain::testing::ResidentBytes();
  const auto started = std::chrono::steady_clock::now();
  fx.Deliver(3, payload);
  const auto took = std::chrono::steady_clock::now() - started;
  const uint64_t after = evchain::testing::ResidentBytes();
  const uint64_t grown = after > before ? after - before : 0;
  MESSAGE("the reply cost the links' thread "
          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms and "
          << grown / (1 << 20) << " MiB");
  CHECK(grown < uint64_t{64} << 20);
  REQUIRE(InboxFixture::WaitFor([&] {
    return fx.Metric(
               R"(evchain_peer_misbehaviour_total{peer="time-1",reason="too_many_blocks"})") == 1;
  }));
  CHECK(fx.host.replies == 0);
}

TEST_CASE("a correct block reply is within the bounds a reply is checked against") {
  // 64 blocks of 20 entries each (a reply's most blocks), and 4 blocks of 1,000 (a full batch).
  synthetic::TestNetwork net = synthetic::MakeTestNetwork("bounds-test", 1795865400000);
  auto store = storage::NewMemoryStore();
  auto log = storage::EvidenceLog::Open(store.get());
  REQUIRE(log.ok());
  synthetic::ChainBuilder builder(net, log->get(), 3);
  int next = 0;
  auto append = [&](int entries_per_block) {
    std::vector<ledger::Entry> entries;
    for (int i = 0; i < entries_per_block; ++i, ++next) {
      entries.push_back(
          builder.Deposit(crypto::Sha256("e" + std::to_string(next)), "n" + std::to_string(next)));
    }
    REQUIRE(builder.AppendBlock(std::move(entries), 1795865400000 + 1000 * ((*log)->height() + 1))
                .ok());
  };
  for (int h = 0; h < 64; ++h) append(20);
  for (int h = 0; h < 4; ++h) append(1000);
  for (uint64_t from : {uint64_t{1}, uint64_t{65}}) {
    Result<pb::Blocks> blocks = ReadBlocksForPeer(**log, from, kMaxBlocksPerFetch);
    REQUIRE(blocks.ok());
    pb::PeerPayload reply;
    *reply.mutable_blocks() = *blocks;
    CHECK(CheckBlocksPayload(reply.SerializeAsString()).empty());
  }
  pb::PeerPayload too_many;
  for (uint32_t i = 0; i <= kMaxBlocksPerFetch; ++i) too_many.mutable_blocks()->add_blocks();
  CHECK(CheckBlocksPayload(too_many.SerializeAsString()) == "too_many_blocks");
  pb::PeerPayload empty_entries;  // one block of 10,000 empty entries: 2 bytes each
  pb::FetchedBlock* block = empty_entries.mutable_blocks()->add_blocks();
  for (int i = 0; i < 10000; ++i) block->add_entries();
  CHECK(CheckBlocksPayload(empty_entries.SerializeAsString()) == "malformed");
  CHECK(CheckBlocksPayload(std::string("\x1a\x03\x0a\x05", 4)) == "malformed");  // cut short
}

}  // namespace
}  // namespace evchain::node
