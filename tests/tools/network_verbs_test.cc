// deposit, verify --node, checkpoint, consistency and audit --node against a FakeNode.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/encoding.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "genesis/genesis.h"
#include "ledger/block.h"
#include "tests/tools/cli_test_util.h"
#include "tests/tools/fake_node.h"
#include "tools/cli/http_client.h"

namespace evchain::cli::testing {
namespace {

struct Setup {
  FakeNode node;
  TempDir dir;
  std::string genesis_path = dir / "genesis.json";
  std::string key_path = dir / "depositor.key";
  Setup() {
    WriteText(genesis_path, genesis::GenesisToJson(node.network().genesis));
    REQUIRE(node.network().depositor_key.SaveFile(key_path).ok());
  }
  std::string File(const std::string& name, const std::string& content) {
    WriteText(dir / name, content);
    return dir / name;
  }
  CliRun Verify(const std::string& file) {
    return RunCli({"verify", file, "--receipt", file + ".receipt.json", "--genesis", genesis_path});
  }
};

// A node that answers every request with a body that never ends (chunked, 1 MiB chunks as fast
// as the client reads them), counting what it sent; or, dripping, a header line of 6 bytes
// every 50 ms, so that no read ever times out. Serves until destroyed.
class EndlessNode {
 public:
  enum class Mode { kFlood, kDrip };
  explicit EndlessNode(Mode mode = Mode::kFlood) : mode_(mode) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(listener_, 4) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    server_ = std::thread([this] { Serve(); });
  }
  ~EndlessNode() {
    stop_ = true;
    shutdown(listener_, SHUT_RDWR);
    server_.join();
    close(listener_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  uint64_t sent() const { return sent_; }

 private:
  void Serve() {
    while (!stop_) {
      const int c = accept(listener_, nullptr, nullptr);
      if (c < 0) return;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      if (mode_ == Mode::kDrip) {
        Drip(c);
        continue;
      }
      std::string chunk = "100000\r\n" + std::string(1 << 20, ' ') + "\r\n";
      const std::string head =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          "Transfer-Encoding: chunked\r\n\r\n1\r\n[\r\n";
      bool open = send(c, head.data(), head.size(), MSG_NOSIGNAL) > 0;
      // At most 2 GiB: a client that never stops reading ends the test, not the machine.
      while (open && !stop_ && sent_ < (uint64_t{2} << 30)) {
        open =
            send(c, chunk.data(), chunk.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(chunk.size());
        if (open) sent_ += chunk.size();
      }
      close(c);
    }
  }
  void Drip(int c) {
    const std::string status = "HTTP/1.1 200 OK\r\n";
    bool open = send(c, status.data(), status.size(), MSG_NOSIGNAL) > 0;
    while (open && !stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      open = send(c, "X: y\r\n", 6, MSG_NOSIGNAL) == 6;
      if (open) sent_ += 6;
    }
    close(c);
  }
  const Mode mode_;
  int listener_ = -1;
  int port_ = 0;
  std::thread server_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sent_{0};
};

// A node's answer is read into memory, and a node is not trusted: one that never ends its
// answer must not take all of the judge's memory. The CLI stops reading at its response limit.
TEST_CASE("verify --node stops reading an answer that never ends, and says so") {
  Setup s;
  EndlessNode endless;
  const std::string file = s.File("evidence.txt", "evidence");
  CliRun run = RunCli({"verify", file, "--node", endless.url(), "--genesis", s.genesis_path});
  CHECK(run.exit_code == 3);
  CHECK_MESSAGE(run.err.find("larger than") != std::string::npos, run.err);
  CHECK(endless.sent() < (uint64_t{512} << 20));
}

// Each read of an answer times out after 120 s without a byte; a node that sends a byte now and
// then would hold the CLI for ever without a bound on the whole answer.
TEST_CASE("a node that drips its answer is given up at the answer's limit") {
  EndlessNode drip(EndlessNode::Mode::kDrip);
  auto client = NodeClient::Create(drip.url());
  REQUIRE(client.ok());
  (*client)->set_answer_limit(std::chrono::milliseconds(1500));
  const auto start = std::chrono::steady_clock::now();
  Result<nlohmann::json> status = (*client)->GetJson("/v1/status");
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(status.ok());
  CHECK(status.status().code() == "network");
  CHECK_MESSAGE(status.status().message().find("within 1500 ms") != std::string::npos,
                status.status().message());
  CHECK(took >= std::chrono::milliseconds(1400));
  CHECK(took < std::chrono::seconds(10));
  CHECK(drip.sent() > 0);  // it was answering, slowly
}

TEST_CASE("deposit --timeout bounds one dripping answer too") {
  Setup s;
  EndlessNode drip(EndlessNode::Mode::kDrip);
  const std::string file = s.File("evidence.txt", "evidence");
  const auto start = std::chrono::steady_clock::now();
  CliRun run = RunCli({"deposit", file, "--node", drip.url(), "--key", s.key_path, "--depositor",
                       "demo-platform", "--timeout", "2"});
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(run.exit_code != 0);
  // --timeout, and 5 s for an answer the node sends when its commit wait ends.
  CHECK_MESSAGE(run.err.find("within 7 s") != std::string::npos, run.err);
  CHECK(took < std::chrono::seconds(15));
}

TEST_CASE("deposit --wait saves a receipt that verifies offline, verify --node agrees") {
  Setup s;
  const std::string file = s.File("page.html", "<html>captured page</html>");
  CliRun run =
      RunCli({"deposit", file, "--key", s.key_path, "--depositor", "demo-platform", "--node",
              s.node.url(), "--kind", "webpage", "--source", "https://example.com/post/1",
              "--captured-at", "2026-11-28T10:00:00Z", "--wait"});
  REQUIRE_MESSAGE(run.exit_code == 0, (run.out + run.err));
  CHECK(run.out.find("committed ") != std::string::npos);
  REQUIRE(std::filesystem::exists(file + ".receipt.json"));
  const auto receipt = nlohmann::json::parse(ReadText(file + ".receipt.json"));
  CHECK(receipt["statement"].get<std::string>().find("https://example.com/post/1") !=
        std::string::npos);
  CliRun verify = s.Verify(file);
  CHECK_MESSAGE(verify.exit_code == 0, verify.out);

  CliRun by_node = RunCli({"verify", file, "--node", s.node.url(), "--genesis", s.genesis_path});
  CHECK_MESSAGE(by_node.exit_code == 0, by_node.out);
  CHECK(by_node.out.find("1 receipt(s) verified, 0 failed") != std::string::npos);
  CliRun unknown = RunCli({"verify", s.File("other", "never deposited"), "--node", s.node.url(),
                           "--genesis", s.genesis_path});
  CHECK(unknown.exit_code == 1);
  CHECK_MESSAGE(unknown.out.find("NOT FOUND: the node knows no deposit of digest " +
                                 ToHex(crypto::Sha256(std::string_view("never deposited")))) !=
                    std::string::npos,
                unknown.out);
}

TEST_CASE("deposit of several files is one signed batch with a receipt per file") {
  Setup s;
  std::vector<std::string> args = {"deposit"};
  for (int i = 0; i < 3; ++i) {
    args.push_back(s.File("shot" + std::to_string(i) + ".png", "png bytes " + std::to_string(i)));
  }
  args.insert(args.end(), {"--key", s.key_path, "--depositor", "demo-platform", "--node",
                           s.node.url(), "--genesis", s.genesis_path, "--wait"});
  CliRun run = RunCli(args);
  REQUIRE_MESSAGE(run.exit_code == 0, (run.out + run.err));
  for (int i = 1; i <= 3; ++i) {
    const auto receipt = nlohmann::json::parse(ReadText(args[i] + ".receipt.json"));
    CHECK(receipt.contains("batch"));
    CHECK(receipt["batch"]["item_index"] == i - 1);
    CliRun verify = s.Verify(args[i]);
    CHECK_MESSAGE(verify.exit_code == 0, verify.out);
  }
}

TEST_CASE("deposit without --wait collects receipts already committed, wrong key is refused") {
  Setup s;
  const std::string file = s.File("log.txt", "call log");
  CliRun run = RunCli({"deposit", file, "--key", s.key_path, "--depositor", "demo-platform",
                       "--node", s.node.url(), "--nonce", "fixed-nonce-1"});
  REQUIRE_MESSAGE(run.exit_code == 0, (run.out + run.err));
  CHECK(std::filesystem::exists(file + ".receipt.json"));

  const std::string other_key = s.dir / "other.key";
  REQUIRE(crypto::SecretKey::Generate().SaveFile(other_key).ok());
  CliRun wrong = RunCli({"deposit", file, "--key", other_key, "--depositor", "demo-platform",
                         "--node", s.node.url()});
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("is not the key of depositor") != std::string::npos);
  CliRun bad_kind = RunCli({"deposit", file, "--key", s.key_path, "--depositor", "demo-platform",
                            "--node", s.node.url(), "--kind", "rumour"});
  CHECK(bad_kind.exit_code == 2);
  CliRun down = RunCli({"deposit", file, "--key", s.key_path, "--depositor", "demo-platform",
                        "--node", "http://127.0.0.1:1"});
  CHECK(down.exit_code == 3);
  CHECK(down.err.rfind("evchain deposit: ", 0) == 0);
}

// A statement field given on the command line is checked before any file is hashed: a typo
// in --kind should not cost the hashing of a large file first.
TEST_CASE("deposit checks the statement's options before it reads a file") {
  Setup s;
  const std::string absent = s.dir / "never-read.bin";
  // option, value, the statement field the error names
  for (const std::array<std::string, 3>& bad :
       {std::array<std::string, 3>{"--kind", "rumour", "kind"},
        {"--captured-at", "yesterday", "captured_at"},
        {"--nonce", "has space", "nonce"}}) {
    CAPTURE(bad[0]);
    CliRun run = RunCli({"deposit", absent, "--key", s.key_path, "--depositor", "demo-platform",
                         "--node", s.node.url(), bad[0], bad[1]});
    CHECK(run.exit_code == 2);
    CHECK_MESSAGE(run.err.find("cannot read") == std::string::npos, run.err);
    CHECK_MESSAGE(run.err.find(bad[2] + ": ") != std::string::npos, run.err);
  }
}

TEST_CASE("deposit of a file that does not exist, or of a directory, says which") {
  Setup s;
  const std::string absent = s.dir / "nonexist.bin";
  CliRun missing = RunCli({"deposit", absent, "--key", s.key_path, "--depositor", "demo-platform",
                           "--node", s.node.url()});
  CHECK(missing.exit_code != 0);
  CHECK_MESSAGE(missing.err.find("cannot read " + absent + ": no such file") != std::string::npos,
                missing.err);
  const std::string directory_path = s.dir.path().string();
  CliRun directory = RunCli({"deposit", directory_path, "--key", s.key_path, "--depositor",
                             "demo-platform", "--node", s.node.url()});
  CHECK(directory.exit_code != 0);
  CHECK_MESSAGE(
      directory.err.find("cannot read " + directory_path + ": is a directory") != std::string::npos,
      directory.err);
}

// The key given as a directory or a FIFO was refused as "must not be readable by group or
// others (chmod 600)", which sends the user to chmod a directory; a FIFO with no writer held
// the tool for ever. Run under timeout(1), so a hang fails the test (exit 124).
TEST_CASE("deposit: a directory or a FIFO given as the key says what it is") {
  Setup s;
  const std::string file = s.File("exhibit.txt", "exhibit");
  const std::string fifo = s.dir / "key.fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  const std::string directory = s.dir / "keys";
  std::filesystem::create_directory(directory);
  std::filesystem::permissions(directory, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  for (const auto& [key, why] : {std::pair{directory, std::string(": is a directory")},
                                 std::pair{fifo, std::string(": not a regular file")}}) {
    CliRun run =
        RunProgram("/usr/bin/timeout", {"20", CliPath(), "deposit", file, "--key", key,
                                        "--depositor", "demo-platform", "--node", s.node.url()});
    CHECK_MESSAGE(run.exit_code == 3, (run.out + run.err));
    std::string want = "cannot read " + key;
    want += why;
    CHECK_MESSAGE(run.err.find(want) != std::string::npos, run.err);
  }
}

TEST_CASE("deposit sends again while the node sheds load, as Retry-After says, until --timeout") {
  Setup s;
  const std::string file = s.File("burst.txt", "evidence sent during a burst");
  // Two 503s with Retry-After: 0, then the node takes it: one deposit, committed, two notices.
  s.node.RefuseDeposits(2, 0);
  CliRun run = RunCli({"deposit", file, "--key", s.key_path, "--depositor", "demo-platform",
                       "--node", s.node.url(), "--wait"});
  REQUIRE_MESSAGE(run.exit_code == 0, (run.out + run.err));
  CHECK(s.node.refused() == 2);
  CHECK(run.out.find("committed ") != std::string::npos);
  CHECK(s.Verify(file).exit_code == 0);
  size_t notices = 0;
  for (size_t at = 0; (at = run.err.find("sending it again in 0 s", at)) != std::string::npos;
       ++at) {
    ++notices;
  }
  CHECK_MESSAGE(notices == 2, run.err);
  CHECK(run.err.find("HTTP 503 overloaded") != std::string::npos);

  // A batch is sent again the same way.
  const std::string a = s.File("a.txt", "first of a batch");
  const std::string b = s.File("b.txt", "second of a batch");
  s.node.RefuseDeposits(1, 0);
  CliRun batch = RunCli({"deposit", a, b, "--key", s.key_path, "--depositor", "demo-platform",
                         "--node", s.node.url(), "--wait"});
  REQUIRE_MESSAGE(batch.exit_code == 0, (batch.out + batch.err));
  CHECK(s.node.refused() == 3);
  CHECK(std::filesystem::exists(b + ".receipt.json"));

  // Still refused when the next try would come after --timeout: exit 3, said why, no receipt.
  const std::string late = s.File("late.txt", "evidence the node never took");
  s.node.RefuseDeposits(1000, 2);
  CliRun refused = RunCli({"deposit", late, "--key", s.key_path, "--depositor", "demo-platform",
                           "--node", s.node.url(), "--timeout", "3"});
  CHECK(refused.exit_code == 3);
  CHECK(s.node.refused() == 5);  // at 0 s and 2 s; a third try would come after 3 s
  CHECK_MESSAGE(
      refused.err.find("still refused after 2 attempt(s) within --timeout") != std::string::npos,
      refused.err);
  CHECK_FALSE(std::filesystem::exists(late + ".receipt.json"));
}

TEST_CASE("deposit keeps an existing receipt and saves a newer one under the next free name") {
  // Issue 10 item 7: the older receipt proves the earlier time; replacing it lost that proof.
  Setup s;
  const std::string file = s.File("chat.txt", "chat export");
  auto deposit = [&](const std::string& nonce) {
    return RunCli({"deposit", file, "--key", s.key_path, "--depositor", "demo-platform", "--node",
                   s.node.url(), "--genesis", s.genesis_path, "--nonce", nonce, "--wait"});
  };
  CliRun first = deposit("first-nonce");
  REQUIRE_MESSAGE(first.exit_code == 0, (first.out + first.err));
  const std::string first_receipt = ReadText(file + ".receipt.json");

  CliRun second = deposit("second-nonce");
  REQUIRE_MESSAGE(second.exit_code == 0, (second.out + second.err));
  CHECK(ReadText(file + ".receipt.json") == first_receipt);
  REQUIRE(std::filesystem::exists(file + ".receipt.2.json"));
  CHECK(second.out.find(file + ".receipt.2.json") != std::string::npos);
  CHECK(second.out.find("kept") != std::string::npos);
  const auto newer = nlohmann::json::parse(ReadText(file + ".receipt.2.json"));
  CHECK(newer["evidence_id"] != nlohmann::json::parse(first_receipt)["evidence_id"]);
  CliRun verify =
      RunCli({"verify", file, "--receipt", file + ".receipt.2.json", "--genesis", s.genesis_path});
  CHECK_MESSAGE(verify.exit_code == 0, verify.out);

  CliRun third = deposit("third-nonce");
  REQUIRE_MESSAGE(third.exit_code == 0, (third.out + third.err));
  CHECK(ReadText(file + ".receipt.json") == first_receipt);
  CHECK(std::filesystem::exists(file + ".receipt.3.json"));
}

TEST_CASE("checkpoint and consistency verify a growing log, a bad proof is caught") {
  Setup s;
  s.node.CommitDeposit(crypto::Sha256("a"));
  s.node.CommitDeposit(crypto::Sha256("b"));
  s.node.CommitDeposit(crypto::Sha256("c"));
  CliRun old_cp = RunCli({"checkpoint", "--node", s.node.url(), "--genesis", s.genesis_path,
                          "--save", s.dir / "old.note"});
  REQUIRE_MESSAGE(old_cp.exit_code == 0, (old_cp.out + old_cp.err));
  CHECK(old_cp.out.find("VERIFIED") != std::string::npos);
  CHECK(old_cp.out.find("evchain/fake-chain") != std::string::npos);
  for (int i = 0; i < 5; ++i) s.node.CommitDeposit(crypto::Sha256(std::to_string(i)));
  CliRun fetched = RunCli({"checkpoint", "--node", s.node.url(), "--save", s.dir / "new.note"});
  REQUIRE(fetched.exit_code == 0);
  CHECK(fetched.out.find("warning: the genesis was fetched") != std::string::npos);

  CliRun ok = RunCli({"consistency", "--old", s.dir / "old.note", "--new", s.dir / "new.note",
                      "--node", s.node.url(), "--genesis", s.genesis_path});
  CHECK_MESSAGE(ok.exit_code == 0, (ok.out + ok.err));
  CHECK(ok.out.find("extends the log of size 3") != std::string::npos);
  CHECK(RunCli({"consistency", "--old", s.dir / "new.note", "--new", s.dir / "old.note", "--node",
                s.node.url(), "--genesis", s.genesis_path})
            .exit_code == 2);
  s.node.set_corrupt_proofs(true);
  CliRun bad = RunCli({"consistency", "--old", s.dir / "old.note", "--new", s.dir / "new.note",
                       "--node", s.node.url(), "--genesis", s.genesis_path});
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.find("NOT VERIFIED") != std::string::npos);
}

// A time service whose clock ran far ahead still signs a valid cosignature (tlog-cosignature
// allows timestamps up to 2^63 - 1 s). `consistency` prints each note's signers before it asks
// the node for a proof: such a time must be written as seconds, as `verify` writes it, not
// multiplied into milliseconds (which overflows int64) and rendered as a date.
TEST_CASE("consistency prints a cosignature time past the year 9999 as seconds") {
  TempDir dir;
  const synthetic::TestNetwork net = synthetic::MakeTestNetwork("far-chain", 1795824000000);
  const std::string genesis_path = dir / "genesis.json";
  WriteText(genesis_path, genesis::GenesisToJson(net.genesis));
  ledger::BlockHeader header;
  header.chain_id = net.genesis.chain_id;
  header.height = 1;
  header.prev_hash = net.genesis.hash;
  header.time = 1795824001000;
  header.log_size = 1;
  header.proposer = net.genesis.validators[0].id;
  crypto::Note note;
  note.text = ledger::CheckpointText(header);
  constexpr uint64_t kMaxTime = 9223372036854775807;  // 2^63 - 1
  for (size_t i = 0; i < net.genesis.validators.size(); ++i) {
    const bool time_service = net.genesis.validators[i].role == genesis::Role::kTime;
    note.signatures.push_back(crypto::CosignCheckpoint(note.text, net.genesis.validators[i].id,
                                                       net.validator_keys[i],
                                                       time_service ? kMaxTime : 1795824002));
  }
  WriteText(dir / "cp.note", crypto::FormatNote(note));
  // Port 1: nothing listens, so the run ends (exit 3) after printing both certificates.
  CliRun run = RunCli({"consistency", "--old", dir / "cp.note", "--new", dir / "cp.note", "--node",
                       "http://127.0.0.1:1", "--genesis", genesis_path});
  CHECK(run.out.find("time-1 (time) at 9223372036854775807 s after 1970-01-01T00:00:00Z") !=
        std::string::npos);
  CHECK_MESSAGE(run.out.find("court-1 (court) at 2026-11-28T00:00:02.000Z") != std::string::npos,
                run.out);
}

// A node's answer is printed (the checkpoint note as served, a deposit's evidence id as a label)
// but must not drive the terminal: an escape sequence could clear the screen and paint a
// verdict of the node's choosing over the real one.
TEST_CASE("checkpoint and verify --node print a node's control characters escaped") {
  Setup s;
  const std::string file = s.File("exhibit.txt", "exhibit");
  s.node.CommitDeposit(crypto::Sha256("exhibit"));
  s.node.set_hostile_text(
      "\x1b[2J\x1b[1;1HVERIFIED\xc2\x9b"
      "0m\n");
  CliRun checkpoint = RunCli({"checkpoint", "--node", s.node.url(), "--genesis", s.genesis_path});
  CHECK(checkpoint.exit_code == 1);
  CHECK(checkpoint.out.find("NOT VERIFIED") != std::string::npos);
  CliRun verify = RunCli({"verify", file, "--node", s.node.url(), "--genesis", s.genesis_path});
  CHECK_MESSAGE(verify.exit_code == 0, (verify.out + verify.err));
  for (const CliRun* run : {&checkpoint, &verify}) {
    INFO(run->out);
    CHECK(run->out.find('\x1b') == std::string::npos);
    CHECK(run->out.find("\xc2\x9b") == std::string::npos);
    CHECK(run->out.find("\\x1b[2J") != std::string::npos);
  }
}

// deposit quotes the node's error message (a refusal, a receipt that does not verify) on
// stderr: escaped like every other verb's text from a node, so it cannot clear the terminal
// and paint a success.
TEST_CASE("deposit prints a node's control characters escaped") {
  Setup s;
  s.node.set_hostile_text(
      "\x1b[2J\x1b[1;1Hcommitted\xc2\x9b"
      "0m\nforged line");
  const std::string file = s.File("exhibit.txt", "exhibit");
  s.node.RefuseDeposits(1, 0);  // refused once, then taken: the retry notice quotes it
  CliRun retried = RunCli({"deposit", file, "--key", s.key_path, "--depositor", "demo-platform",
                           "--node", s.node.url(), "--wait"});
  CHECK_MESSAGE(retried.exit_code == 0, (retried.out + retried.err));
  s.node.RefuseDeposits(1000, 60);  // refused until --timeout: the error quotes it
  CliRun refused =
      RunCli({"deposit", s.File("late.txt", "late"), "--key", s.key_path, "--depositor",
              "demo-platform", "--node", s.node.url(), "--timeout", "1"});
  CHECK(refused.exit_code == 3);
  for (const CliRun* run : {&retried, &refused}) {
    INFO(run->err);
    CHECK(run->err.find("HTTP 503 overloaded: \\x1b[2J") != std::string::npos);
    CHECK(run->err.find('\x1b') == std::string::npos);
    CHECK(run->err.find("\xc2\x9b") == std::string::npos);
    CHECK(run->err.find("\nforged line") == std::string::npos);
  }
}

// "cannot reach URL" alone left the user guessing; a URL with a path (the API's own /v1, say)
// was taken for part of the host and failed the same way.
TEST_CASE("a node that cannot be reached is named with the reason, a URL with a path refused") {
  Setup s;
  const std::string file = s.File("exhibit.txt", "exhibit");
  CliRun down =
      RunCli({"verify", file, "--node", "http://127.0.0.1:1", "--genesis", s.genesis_path});
  CHECK(down.exit_code == 3);
  CHECK_MESSAGE(down.err.find("cannot reach http://127.0.0.1:1/v1/evidence/") != std::string::npos,
                down.err);
  CHECK_MESSAGE(
      down.err.find(": no connection: nothing answers at that address") != std::string::npos,
      down.err);
  CliRun path = RunCli({"checkpoint", "--node", s.node.url() + "/v1", "--genesis", s.genesis_path});
  CHECK(path.exit_code == 2);
  CHECK_MESSAGE(path.err.find("node URL is http(s)://HOST:PORT, without a path: " + s.node.url() +
                              "/v1") != std::string::npos,
                path.err);
  s.node.CommitDeposit(crypto::Sha256("exhibit"));
  CliRun slash = RunCli({"checkpoint", "--node", s.node.url() + "/", "--genesis", s.genesis_path});
  CHECK_MESSAGE(slash.exit_code == 0, (slash.out + slash.err));
}

TEST_CASE("audit --node re-verifies the chain the node serves") {
  Setup s;
  for (int i = 0; i < 120; ++i) s.node.CommitDeposit(crypto::Sha256(std::to_string(i)));
  CliRun run = RunCli({"audit", "--node", s.node.url(), "--genesis", s.genesis_path, "--json"});
  CHECK_MESSAGE(run.exit_code == 0, (run.out + run.err));
  auto json = nlohmann::json::parse(run.out);
  CHECK(json["blocks"] == 120);  // more than one page of 100
  CHECK(json["entries"] == 120);
  CHECK(RunCli({"audit", "--node", "http://127.0.0.1:1", "--genesis", s.genesis_path}).exit_code ==
        3);
}

// A node lists blocks to token holders only (by default): until 2026-12-07 `audit --node`
// without `--token` printed the node's 401 and nothing on what to do.
TEST_CASE("audit --node says to pass --token when the node asks for one") {
  Setup s;
  s.node.CommitDeposit(crypto::Sha256("exhibit"));
  s.node.RequireBlocksToken("s3cret");
  CliRun none = RunCli({"audit", "--node", s.node.url(), "--genesis", s.genesis_path});
  CHECK(none.exit_code != 0);
  CHECK(none.err.find("pass it with --token") != std::string::npos);
  CliRun wrong =
      RunCli({"audit", "--node", s.node.url(), "--genesis", s.genesis_path, "--token", "guess"});
  CHECK(wrong.exit_code != 0);
  CHECK(wrong.err.find("refused the bearer token given") != std::string::npos);
  CliRun right =
      RunCli({"audit", "--node", s.node.url(), "--genesis", s.genesis_path, "--token", "s3cret"});
  CHECK_MESSAGE(right.exit_code == 0, (right.out + right.err));
}

}  // namespace
}  // namespace evchain::cli::testing
