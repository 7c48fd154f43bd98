// evchain verify: a receipt built from an offline chain verifies; a modified file, statement,
// leaf, proof or checkpoint fails at the right step of SPEC's chain.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/encoding.h"
#include "common/time.h"
#include "ledger/receipt.h"
#include "ledger/statement.h"
#include "tests/tools/chain_fixture.h"

namespace evchain::cli::testing {
namespace {

// The receipt of log entry `index`, assembled from the stored log exactly as SPEC describes.
std::string ReceiptJson(const ChainFixture& fx, uint64_t index) {
  auto genesis = genesis::LoadGenesisFile(fx.genesis_path);
  REQUIRE(genesis.ok());
  OpenLog opened = OpenLogAt(fx.data_dir);
  auto entry = opened.log->GetEntry(index);
  REQUIRE(entry.ok());
  auto block = opened.log->GetBlockForEntry(index);
  REQUIRE(block.ok());
  ledger::Receipt r;
  r.chain_id = genesis->chain_id;
  r.genesis_hash = genesis->hash;
  r.evidence_id = ledger::EvidenceId(entry->entry.statement);
  r.statement = entry->entry.statement;
  r.signature = entry->entry.signature;
  r.depositor_key = genesis->depositors[0].public_key;
  r.leaf = entry->leaf;
  r.leaf_index = index;
  r.tree_size = block->header.log_size;
  auto proof = opened.log->InclusionProof(index, r.tree_size);
  REQUIRE(proof.ok());
  r.inclusion_proof = *proof;
  r.checkpoint = block->certificate;
  r.block_height = block->header.height;
  r.block_hash = block->hash;
  r.block_time = block->header.time;
  r.batch = entry->entry.batch;
  return r.ToJson();
}

CliRun Verify(const ChainFixture& fx, const std::string& file, const std::string& receipt) {
  return RunCli({"verify", file, "--receipt", receipt, "--genesis", fx.genesis_path});
}

TEST_CASE("receipts of single and batched deposits verify offline, step by step") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  for (uint64_t index : {uint64_t{0}, fx.first_index[2] + 3, fx.first_index[5] + 2}) {
    const std::string receipt = dir / ("r" + std::to_string(index) + ".json");
    WriteText(receipt, ReceiptJson(fx, index));
    CliRun run = Verify(fx, fx.files[index], receipt);
    CHECK_MESSAGE(run.exit_code == 0, (run.out + run.err));
    for (const char* step : {"file", "digest", "statement", "depositor_signature", "leaf",
                             "inclusion_proof", "checkpoint_root", "quorum"}) {
      CHECK_MESSAGE(run.out.find(std::string("[ok]   ") + step) != std::string::npos, step);
    }
    CHECK(run.out.find("VERIFIED: evidence") != std::string::npos);
    CHECK(run.out.find("demo-platform (Demo Evidence Platform)") != std::string::npos);
    // Every cosigner is named with its role and time.
    CHECK(run.out.find("court-1") != std::string::npos);
    CHECK(run.out.find("notary-1") != std::string::npos);
  }
}

TEST_CASE("verify names the failing step") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const uint64_t index = fx.first_index[3];
  const auto good = nlohmann::ordered_json::parse(ReceiptJson(fx, index));
  const std::string receipt = dir / "receipt.json";
  std::string file = fx.files[index];
  nlohmann::ordered_json r = good;
  std::string expected_step;

  SUBCASE("a modified file") {
    file = dir / "modified.txt";
    WriteText(file, EvidenceContent(index) + "x");
    expected_step = "file";
  }
  SUBCASE("a modified statement") {
    std::string st = r["statement"];
    st.replace(st.find("document"), 8, "software");
    r["statement"] = st;
    expected_step = "statement";
  }
  SUBCASE("a forged signature") {
    std::string sig = r["signature"];
    sig[0] = sig[0] == '0' ? '1' : '0';
    r["signature"] = sig;
    expected_step = "depositor_signature";
  }
  SUBCASE("a modified leaf (block time)") {
    auto leaf = FromBase64(r["leaf"].get<std::string>());
    REQUIRE(leaf.has_value());
    leaf->back() ^= 0x01;
    r["leaf"] = ToBase64(*leaf);
    expected_step = "leaf";
  }
  SUBCASE("a modified inclusion proof") {
    std::string h = r["inclusion_proof"][0];
    h[5] = h[5] == 'a' ? 'b' : 'a';
    r["inclusion_proof"][0] = h;
    expected_step = "inclusion_proof";
  }
  SUBCASE("a checkpoint of another block") {
    r["checkpoint"] =
        nlohmann::ordered_json::parse(ReceiptJson(fx, fx.first_index[4]))["checkpoint"];
    expected_step = "inclusion_proof";
  }
  SUBCASE("a checkpoint with its cosignatures cut below quorum") {
    std::string note = r["checkpoint"];
    note.erase(note.rfind("\u2014 "));
    note.erase(note.rfind("\u2014 "));
    r["checkpoint"] = note;
    expected_step = "quorum";
  }
  WriteText(receipt, r.dump(2));
  CliRun run = Verify(fx, file, receipt);
  CHECK_MESSAGE(run.exit_code == 1, (run.out + run.err));
  CHECK_MESSAGE(run.out.find("[FAIL] " + expected_step) != std::string::npos, run.out);
  CHECK(run.out.find("NOT VERIFIED: step '" + expected_step + "'") != std::string::npos);
}

// The receipt comes from the platform, not the court: what it holds is quoted in a failure
// (an unknown field's name, a statement's unknown key, the format string) but escaped, so it
// cannot drive the judge's terminal or forge a line of the checklist.
TEST_CASE("verify prints a receipt's control characters escaped") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const uint64_t index = fx.first_index[3];
  nlohmann::ordered_json r = nlohmann::ordered_json::parse(ReceiptJson(fx, index));
  const std::string hostile = "\x1b[2J\x1b[1;1H\n  [ok]   quorum";
  const std::string receipt = dir / "receipt.json";
  std::string expected_step;
  SUBCASE("an unknown receipt field") {
    r[hostile] = 1;
    expected_step = "receipt";
  }
  SUBCASE("the format string") {
    r["format"] = hostile;
    expected_step = "receipt";
  }
  SUBCASE("an unknown statement key") {
    std::string st = r["statement"];
    st.insert(st.find('\n') + 1, "\x1b[2J\x1b[1;1H: x\n");
    r["statement"] = st;
    expected_step = "statement";
  }
  WriteText(receipt, r.dump(2));
  CliRun run = Verify(fx, fx.files[index], receipt);
  CHECK_MESSAGE(run.exit_code == 1, (run.out + run.err));
  CHECK_MESSAGE(run.out.find("[FAIL] " + expected_step) != std::string::npos, run.out);
  CHECK(run.out.find('\x1b') == std::string::npos);
  CHECK(run.out.find("\\x1b[2J") != std::string::npos);
  // One line per step: the quoted text cannot add a line that reads like a passed check.
  CHECK(run.out.find("\n  [ok]   quorum") == std::string::npos);
}

// docs/receipts.md: a receipt that cannot be read (not JSON, a field missing or malformed) fails
// the step "receipt", named like every other failing step.
TEST_CASE("an unreadable receipt fails step 'receipt'") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  auto good = nlohmann::ordered_json::parse(ReceiptJson(fx, 0));
  auto missing = good;
  missing.erase("tree_size");
  auto bad_time = good;
  bad_time["block"]["time"] = "noon";
  for (const std::string& text : {std::string("not json"), missing.dump(2), bad_time.dump(2)}) {
    CAPTURE(text);
    const std::string receipt = dir / "receipt.json";
    WriteText(receipt, text);
    CliRun run = Verify(fx, fx.files[0], receipt);
    CHECK(run.exit_code == 1);
    CHECK_MESSAGE(run.out.find("[FAIL] receipt") != std::string::npos, (run.out + run.err));
    CHECK_MESSAGE(run.out.find("NOT VERIFIED: step 'receipt' failed: ") != std::string::npos,
                  (run.out + run.err));
  }
}

// A judge reads the parser's complaint: where the text breaks and why, not the library's
// exception name and buffer dump.
TEST_CASE("a truncated receipt is named by line and column, without parser internals") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string full = ReceiptJson(fx, 0);
  const std::string receipt = dir / "receipt.json";
  WriteText(receipt, full.substr(0, full.size() / 2));
  CliRun run = Verify(fx, fx.files[0], receipt);
  CHECK(run.exit_code == 1);
  CHECK_MESSAGE(run.out.find("NOT VERIFIED: step 'receipt' failed: ") != std::string::npos,
                run.out);
  CHECK_MESSAGE(run.out.find("malformed JSON: line ") != std::string::npos, run.out);
  CHECK_MESSAGE(run.out.find("json.exception") == std::string::npos, run.out);
  CHECK_MESSAGE(run.out.find("last read") == std::string::npos, run.out);

  WriteText(receipt, "{\n  \"a\": 1,\n  \"b\": tru }");
  CliRun second = Verify(fx, fx.files[0], receipt);
  CHECK_MESSAGE(
      second.out.find("malformed JSON: line 3, column 11: invalid literal\n") != std::string::npos,
      second.out);
}

// A directory opens as a stream that reads as empty: it must be an I/O error naming the path,
// not an empty document the JSON parser then complains about.
TEST_CASE("verify: a directory given as the receipt or the genesis exits 3") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string receipt = dir / "receipt.json";
  WriteText(receipt, ReceiptJson(fx, 0));
  const std::string folder = dir / "folder";
  std::filesystem::create_directory(folder);
  CliRun as_receipt =
      RunCli({"verify", fx.files[0], "--receipt", folder, "--genesis", fx.genesis_path});
  CHECK_MESSAGE(as_receipt.exit_code == 3, (as_receipt.out + as_receipt.err));
  CHECK_MESSAGE(
      as_receipt.err.find("cannot read " + folder + ": is a directory") != std::string::npos,
      as_receipt.err);
  CliRun as_genesis = RunCli({"verify", fx.files[0], "--receipt", receipt, "--genesis", folder});
  CHECK_MESSAGE(as_genesis.exit_code == 3, (as_genesis.out + as_genesis.err));
  CHECK_MESSAGE(
      as_genesis.err.find("cannot read " + folder + ": is a directory") != std::string::npos,
      as_genesis.err);
  CHECK(as_genesis.err.find("json.exception") == std::string::npos);
}

// On a terminal, hashing a large file shows the same progress line as deposit. `script` runs
// the verb on a pseudo-terminal; a sparse file of 1 GiB takes well over the bar's first redraw
// interval (100 ms) to hash, and costs no disk.
TEST_CASE("verify shows hashing progress on a terminal, none in a pipe") {
  if (!std::filesystem::exists("/usr/bin/script")) return;
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string receipt = dir / "receipt.json";
  WriteText(receipt, ReceiptJson(fx, 0));
  const std::string big = dir / "big.bin";
  { std::ofstream(big, std::ios::binary).close(); }
  std::filesystem::resize_file(big, uint64_t{1} << 30);
  const std::string command =
      CliPath() + " verify " + big + " --receipt " + receipt + " --genesis " + fx.genesis_path;
  CliRun tty = RunProgram("/usr/bin/script", {"-qefc", command, "/dev/null"});
  CHECK_MESSAGE(tty.out.find("hashing ") != std::string::npos, (tty.out + tty.err));
  CHECK_MESSAGE(tty.out.find("1.0 GiB") != std::string::npos, (tty.out + tty.err));
  CliRun piped = Verify(fx, big, receipt);
  CHECK(piped.err.find("hashing") == std::string::npos);
}

// What standard tools accept verifies, and block.time must be the node's exact rendering.
TEST_CASE("verify: re-spelled cosignature lines pass, a re-written block.time fails") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  auto r = nlohmann::ordered_json::parse(ReceiptJson(fx, 0));
  const std::string receipt = dir / "receipt.json";
  SUBCASE("an unknown witness line with base64 padding bits set") {
    r["checkpoint"] = r["checkpoint"].get<std::string>() + "\u2014 witness.example AQIDBAV=\n";
    WriteText(receipt, r.dump(2));
    CliRun run = Verify(fx, fx.files[0], receipt);
    CHECK_MESSAGE(run.exit_code == 0, (run.out + run.err));
  }
  SUBCASE("block.time as the same instant at +08:00") {
    const auto t = ParseRfc3339(r["block"]["time"].get<std::string>());
    REQUIRE(t.has_value());
    std::string local = FormatRfc3339Millis(*t + int64_t{8} * 3600 * 1000);
    local.replace(local.size() - 1, 1, "+08:00");
    r["block"]["time"] = local;
    WriteText(receipt, r.dump(2));
    CliRun run = Verify(fx, fx.files[0], receipt);
    CHECK(run.exit_code == 1);
    CHECK_MESSAGE(
        run.out.find("NOT VERIFIED: step 'checkpoint_root' failed: ") != std::string::npos,
        (run.out + run.err));
    CHECK(run.out.find("not in canonical form") != std::string::npos);
  }
}

// docs/cli.md "Exit codes": 3 is for I/O; a genesis file that was read but is not a valid genesis
// is an input error, 2.
TEST_CASE("verify: an invalid genesis file exits 2, an unreadable one 3") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string receipt = dir / "receipt.json";
  WriteText(receipt, ReceiptJson(fx, 0));
  const std::string bad = dir / "bad-genesis.json";
  for (const std::string& text : {std::string("not json"), std::string("{}")}) {
    WriteText(bad, text);
    CliRun run = RunCli({"verify", fx.files[0], "--receipt", receipt, "--genesis", bad});
    CHECK_MESSAGE(run.exit_code == 2, (run.out + run.err));
    CHECK_MESSAGE(run.err.find("not a valid genesis") != std::string::npos, run.err);
  }
  CliRun missing =
      RunCli({"verify", fx.files[0], "--receipt", receipt, "--genesis", dir / "no-such.json"});
  CHECK(missing.exit_code == 3);
}

// docs/cli.md "Exit codes": a genesis file that cannot be read is an I/O error (3), one that was
// read but is not a genesis is bad input (2), for every verb that takes --genesis. Each command
// below loads the genesis before it touches its other inputs (which do not exist).
TEST_CASE("every verb: an invalid genesis file exits 2, an unreadable one 3") {
  TempDir dir;
  const std::string bad = dir / "bad-genesis.json";
  WriteText(bad, "{\"chain_id\": ");
  const std::string node = "http://127.0.0.1:1";
  const std::string key = dir / "depositor.key";
  REQUIRE(RunCli({"keygen", "--out", key}).exit_code == 0);
  const std::string evidence = dir / "evidence.txt";
  WriteText(evidence, "evidence");
  const std::vector<std::vector<std::string>> commands = {
      {"audit", "--data-dir", dir / "no-data", "--genesis"},
      {"deposit", evidence, "--key", key, "--depositor", "demo", "--node", node, "--genesis"},
      {"checkpoint", "--node", node, "--genesis"},
      {"consistency", "--old", dir / "old.note", "--new", dir / "new.note", "--node", node,
       "--genesis"},
      {"page", "--out", dir / "page.html", "--genesis"},
      {"snapshot", "restore", "--in", dir / "no.snapshot", "--data-dir", dir / "no-data",
       "--genesis"},
      {"verify", dir / "no-file", "--receipt", dir / "no-receipt", "--genesis"},
  };
  for (const auto& command : commands) {
    CAPTURE(command[0]);
    auto with = [&](const std::string& genesis) {
      std::vector<std::string> args = command;
      args.push_back(genesis);
      return RunCli(args);
    };
    CliRun invalid = with(bad);
    CHECK_MESSAGE(invalid.exit_code == 2, (invalid.out + invalid.err));
    CHECK_MESSAGE(invalid.err.find("not a valid genesis file: " + bad) != std::string::npos,
                  invalid.err);
    CliRun missing = with(dir / "no-such.json");
    CHECK_MESSAGE(missing.exit_code == 3, (missing.out + missing.err));
    CHECK_MESSAGE(missing.err.find("cannot read " + dir / "no-such.json") != std::string::npos,
                  missing.err);
  }
}

TEST_CASE("verify against another chain's genesis fails, unreadable inputs exit 3") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string receipt = dir / "receipt.json";
  WriteText(receipt, ReceiptJson(fx, 0));
  TempDir other_dir;
  ChainFixture other = MakeChain(other_dir);
  auto g = genesis::LoadGenesisFile(other.genesis_path);
  REQUIRE(g.ok());
  g->chain_id = "another-chain";
  WriteText(other_dir / "other.json", genesis::GenesisToJson(*g));
  CliRun run =
      RunCli({"verify", fx.files[0], "--receipt", receipt, "--genesis", other_dir / "other.json"});
  CHECK(run.exit_code == 1);
  CHECK(run.out.find("[FAIL] statement") != std::string::npos);

  CHECK(RunCli({"verify", dir / "missing", "--receipt", receipt, "--genesis", fx.genesis_path})
            .exit_code == 3);
  CHECK(RunCli({"verify", fx.files[0], "--genesis", fx.genesis_path}).exit_code == 2);
}

// Hashing the evidence file may take an hour: what can fail without its digest fails first,
// before a byte of it is read (no "file ... sha256" line).
TEST_CASE("verify checks the receipt and the PDF printer before hashing the file") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  CliRun missing = RunCli(
      {"verify", fx.files[0], "--receipt", dir / "absent.json", "--genesis", fx.genesis_path});
  CHECK(missing.exit_code == 3);
  CHECK_MESSAGE(missing.err.find("cannot read " + dir / "absent.json") != std::string::npos,
                missing.err);
  CHECK_MESSAGE(missing.out.find("sha256") == std::string::npos, missing.out);

  const std::string receipt = dir / "receipt.json";
  WriteText(receipt, ReceiptJson(fx, 0));
  setenv("EVCHAIN_CHROMIUM", (dir / "no-chromium").c_str(), 1);
  CliRun pdf = RunCli({"verify", fx.files[0], "--receipt", receipt, "--genesis", fx.genesis_path,
                       "--report", dir / "report.pdf"});
  unsetenv("EVCHAIN_CHROMIUM");
  CHECK(pdf.exit_code == 3);
  CHECK_MESSAGE(
      pdf.err.find("not found: a PDF report is printed by headless Chromium") != std::string::npos,
      pdf.err);
  CHECK_MESSAGE(pdf.out.find("sha256") == std::string::npos, pdf.out);
}

// docs/cli.md: "The report is written whether or not the receipt verifies". A receipt with a
// byte changed that is no longer JSON is a failed verification like any other: the judge who
// asked for a report gets one saying NOT verified, not silence (and an earlier run's report
// under the same name, which the judge would attach instead).
TEST_CASE("a receipt that cannot be read still gets its report, saying why") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  std::string text = ReceiptJson(fx, 0);
  text[text.find(':')] = ';';  // one byte changed
  const std::string receipt = dir / "receipt.json";
  WriteText(receipt, text);
  const std::string report = dir / "report.html";
  CliRun run = RunCli({"verify", fx.files[0], "--receipt", receipt, "--genesis", fx.genesis_path,
                       "--lang", "en", "--report", report});
  CHECK(run.exit_code == 1);
  REQUIRE_MESSAGE(std::filesystem::exists(report), (run.out + run.err));
  const std::string html = ReadText(report);
  CHECK(html.find("NOT verified") != std::string::npos);
  CHECK(html.find("data-step=\"receipt\"") != std::string::npos);
  CHECK(html.find("malformed JSON") != std::string::npos);
  CHECK(html.find("data-row=\"row.height\"") == std::string::npos);  // no block to show
  CHECK(run.out.find("report written to " + report) != std::string::npos);
}

// A stand-in for Chromium: a shell script that prints `pdf` to the --print-to-pdf= path (or
// nothing when empty) and exits 0.
std::string FakeChromium(const TempDir& dir, const std::string& pdf) {
  std::string path = dir / "fake-chromium";
  WriteText(path,
            "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in --print-to-pdf=*) out=\"${a#*=}\";; "
            "esac; done\n" +
                (pdf.empty() ? std::string() : "printf '%s' '" + pdf + "' > \"$out\"\n") +
                "exit 0\n");
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

// A PDF report goes into place only once Chromium printed it: a Chromium that ends without
// printing must not leave an earlier report under the name to be taken for this run's.
TEST_CASE("a PDF report replaces the file only when Chromium printed it") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string receipt = dir / "receipt.json";
  WriteText(receipt, ReceiptJson(fx, 0));
  const std::string report = dir / "report.pdf";
  WriteText(report, "%PDF earlier report");
  const std::vector<std::string> args = {"verify",    fx.files[0],     "--receipt", receipt,
                                         "--genesis", fx.genesis_path, "--report",  report};
  setenv("EVCHAIN_CHROMIUM", FakeChromium(dir, "").c_str(), 1);
  CliRun silent = RunCli(args);
  CHECK_MESSAGE(silent.exit_code == 3, (silent.out + silent.err));
  CHECK(silent.err.find("headless Chromium could not print " + report) != std::string::npos);
  CHECK(silent.out.find("report written") == std::string::npos);
  CHECK(ReadText(report) == "%PDF earlier report");

  setenv("EVCHAIN_CHROMIUM", FakeChromium(dir, "%PDF printed now").c_str(), 1);
  CliRun printed = RunCli(args);
  unsetenv("EVCHAIN_CHROMIUM");
  CHECK_MESSAGE(printed.exit_code == 0, (printed.out + printed.err));
  CHECK(ReadText(report) == "%PDF printed now");
}

// The evidence file given as a directory failed as "cannot read DIR" without saying why, and
// as a FIFO with no writer held the tool for ever. Run under timeout(1), so a hang fails the
// test (exit 124).
TEST_CASE("verify: a directory or a FIFO given as the file says what it is") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string receipt = dir / "receipt.json";
  WriteText(receipt, ReceiptJson(fx, 0));
  const std::string fifo = dir / "evidence.fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  const std::string folder = dir / "folder";
  std::filesystem::create_directory(folder);
  for (const auto& [file, why] : {std::pair{folder, std::string(": is a directory")},
                                  std::pair{fifo, std::string(": not a regular file")}}) {
    CliRun run = RunProgram("/usr/bin/timeout", {"20", CliPath(), "verify", file, "--receipt",
                                                 receipt, "--genesis", fx.genesis_path});
    CHECK_MESSAGE(run.exit_code == 3, (run.out + run.err));
    std::string want = "cannot read " + file;
    want += why;
    CHECK_MESSAGE(run.err.find(want) != std::string::npos, run.err);
  }
}

// The evidence file's name comes from whoever delivered the file: a name holding an escape
// sequence reached the judge's terminal raw (it can clear the screen and paint a verdict), and
// one that is not UTF-8 went into the report's UTF-8 HTML as it was.
TEST_CASE("verify prints the file's name escaped, on the terminal and in the report") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string receipt = dir / "receipt.json";
  WriteText(receipt, ReceiptJson(fx, 0));
  const std::string named = dir / "exhibit\x1b[2J\x1b[HVERIFIED\xff.txt";
  std::filesystem::copy_file(fx.files[0], named);
  const std::string report = dir / "report.html";
  CliRun run = RunCli(
      {"verify", named, "--receipt", receipt, "--genesis", fx.genesis_path, "--report", report});
  CHECK_MESSAGE(run.exit_code == 0, (run.out + run.err));
  CHECK(run.out.find('\x1b') == std::string::npos);
  CHECK(run.out.find('\xff') == std::string::npos);
  CHECK_MESSAGE(run.out.find("exhibit\\x1b[2J\\x1b[HVERIFIED\\xff.txt") != std::string::npos,
                run.out);
  const std::string html = ReadText(report);
  CHECK(html.find('\x1b') == std::string::npos);
  CHECK(html.find('\xff') == std::string::npos);
  CHECK(html.find("VERIFIED\\xff.txt") != std::string::npos);
}

}  // namespace
}  // namespace evchain::cli::testing
