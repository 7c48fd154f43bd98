// evchain checkpoint: fetch, print and verify a node's latest signed checkpoint.
// evchain consistency: prove that the log behind one checkpoint only grew into another's
// (RFC 9162 consistency proof), so nothing committed earlier was rewritten.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/time.h"
#include "crypto/merkle.h"
#include "ledger/certificate.h"
#include "ledger/receipt.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/http_client.h"
#include "tools/cli/verbs.h"
#include "tools/cli/verify_report.h"

namespace evchain::cli {
namespace {

struct CheckpointOptions {
  std::string node;
  std::string genesis;
  std::string save;
};

struct ConsistencyOptions {
  std::string old_note;
  std::string new_note;
  std::string node;
  std::string genesis;
};

void PrintCertificate(const ledger::VerifiedCertificate& cert, const genesis::Genesis& genesis) {
  const auto& c = cert.checkpoint;
  std::cout << "  chain " << c.chain_id << ", block " << c.height << " (" << ToHex(c.block_hash)
            << ") at " << FormatRfc3339Millis(c.time) << "\n"
            << "  log size " << c.tree_size << ", root " << ToHex(c.root) << "\n"
            << "  cosigned by " << cert.signers.size() << " of " << genesis.validators.size()
            << " validators (quorum " << genesis.quorum() << "):\n";
  // A cosignature time is any u64 up to 2^63 - 1 (tlog-cosignature): written as `verify` writes
  // it, never multiplied into milliseconds, which overflows past the year 292 million.
  for (const auto& s : cert.signers) {
    std::cout << "    " << s.validator_id << " (" << genesis::RoleName(s.role) << ") at "
              << ledger::FormatCosignatureTime(s.timestamp) << "\n";
  }
}

int RunCheckpoint(const CheckpointOptions& o) {
  constexpr const char* kVerb = "checkpoint";
  auto client = NodeClient::Create(o.node);
  if (!client.ok()) return Fail(kVerb, kExitUsage, client.status().message());
  genesis::Genesis genesis;
  if (!o.genesis.empty()) {
    auto loaded = LoadGenesis(o.genesis);
    if (!loaded.ok()) return FailGenesis(kVerb, loaded.status());
    genesis = std::move(loaded).value();
  } else {
    auto text = (*client)->GetText("/v1/genesis");
    if (!text.ok()) return Fail(kVerb, kExitIo, text.status().message());
    auto parsed = genesis::ParseGenesis(*text);
    if (!parsed.ok())
      return Fail(kVerb, kExitFailed,
                  "node's genesis: " + PrintableText(parsed.status().message(), true));
    genesis = std::move(parsed).value();
  }
  auto note = (*client)->GetText("/v1/checkpoint");
  if (!note.ok()) return Fail(kVerb, kExitIo, PrintableText(note.status().message()));
  // Shown as served, before it is verified: escaped, so the node cannot drive the terminal.
  std::cout << PrintableText(*note, /*keep_newlines=*/true);
  if (note->empty() || note->back() != '\n') std::cout << "\n";
  std::cout << "\n";
  auto cert = ledger::VerifyCertificate(*note, genesis);
  if (!cert.ok()) {
    std::cout << "NOT VERIFIED: " << PrintableText(cert.status().ToString()) << "\n";
    return kExitFailed;
  }
  PrintCertificate(*cert, genesis);
  std::cout << "VERIFIED: quorum of validators of genesis " << ToHex(genesis.hash) << "\n";
  if (!o.save.empty()) {
    if (Status s = WriteFile(o.save, *note); !s.ok()) return Fail(kVerb, kExitIo, s.message());
    std::cout << "saved to " << o.save << "\n";
  }
  if (o.genesis.empty()) {
    std::cout << "warning: the genesis was fetched from the same node, so this proves only "
                 "self-consistency; pass --genesis with a copy you trust\n";
  }
  return kExitOk;
}

int RunConsistency(const ConsistencyOptions& o) {
  constexpr const char* kVerb = "consistency";
  auto genesis = LoadGenesis(o.genesis);
  if (!genesis.ok()) return FailGenesis(kVerb, genesis.status());
  std::vector<ledger::VerifiedCertificate> certs;
  for (const std::string* path : {&o.old_note, &o.new_note}) {
    auto text = ReadFile(*path);
    if (!text.ok()) return Fail(kVerb, kExitIo, text.status().message());
    auto cert = ledger::VerifyCertificate(*text, *genesis);
    if (!cert.ok()) {
      std::cout << "NOT VERIFIED: " << *path << ": " << PrintableText(cert.status().ToString())
                << "\n";
      return kExitFailed;
    }
    std::cout << *path << ":\n";
    PrintCertificate(*cert, *genesis);
    certs.push_back(std::move(cert).value());
  }
  const auto& old_cp = certs[0].checkpoint;
  const auto& new_cp = certs[1].checkpoint;
  if (old_cp.tree_size > new_cp.tree_size) {
    return Fail(kVerb, kExitUsage, "--old is larger than --new; swap them");
  }
  auto client = NodeClient::Create(o.node);
  if (!client.ok()) return Fail(kVerb, kExitUsage, client.status().message());
  auto json = (*client)->GetJson("/v1/proofs/consistency?from=" + std::to_string(old_cp.tree_size) +
                                 "&to=" + std::to_string(new_cp.tree_size));
  if (!json.ok()) return Fail(kVerb, kExitIo, PrintableText(json.status().message()));
  std::vector<Hash32> proof;
  if (!json->contains("proof") || !(*json)["proof"].is_array()) {
    std::cout << "NOT VERIFIED: the node's answer has no proof array\n";
    return kExitFailed;
  }
  for (const auto& h : (*json)["proof"]) {
    auto hash = h.is_string() ? Hash32FromHex(h.get<std::string>()) : std::nullopt;
    if (!hash) {
      std::cout << "NOT VERIFIED: the proof holds a malformed hash\n";
      return kExitFailed;
    }
    proof.push_back(*hash);
  }
  Status s = crypto::VerifyConsistency(old_cp.tree_size, new_cp.tree_size, old_cp.root, new_cp.root,
                                       proof);
  if (!s.ok()) {
    std::cout << "NOT VERIFIED: consistency proof " << s.ToString() << "\n";
    return kExitFailed;
  }
  std::cout << "VERIFIED: the log of size " << new_cp.tree_size << " (block " << new_cp.height
            << ") extends the log of size " << old_cp.tree_size << " (block " << old_cp.height
            << ") without rewriting it (" << proof.size() << "-hash RFC 9162 proof)\n";
  return kExitOk;
}

}  // namespace

void AddCheckpoint(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<CheckpointOptions>();
  auto* cmd = app.add_subcommand("checkpoint", "Fetch, print and verify the latest checkpoint");
  cmd->add_option("--node", o->node, "Node URL")->required();
  cmd->add_option("--genesis", o->genesis,
                  "Trusted genesis file (default: fetched from the node, trust only that fetch)");
  cmd->add_option("--save", o->save, "Write the verified note to this file (for consistency)");
  cmd->footer(
      "Example:\n  evchain checkpoint --node http://127.0.0.1:8081 --genesis genesis.json"
      "\n");
  cmd->callback([o, exit_code] { *exit_code = RunCheckpoint(*o); });
}

void AddConsistency(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<ConsistencyOptions>();
  auto* cmd = app.add_subcommand("consistency",
                                 "Prove a newer checkpoint extends an older one (append-only)");
  cmd->add_option("--old", o->old_note, "Older signed checkpoint note file")->required();
  cmd->add_option("--new", o->new_note, "Newer signed checkpoint note file")->required();
  cmd->add_option("--node", o->node, "Node URL to fetch the consistency proof from")->required();
  cmd->add_option("--genesis", o->genesis, "Trusted genesis file")->required();
  cmd->footer(
      "Save notes with: evchain checkpoint --node URL --genesis G --save old.note\n\n"
      "Example:\n  evchain consistency --old old.note --new new.note "
      "--node http://127.0.0.1:8081 --genesis genesis.json"
      "\n");
  cmd->callback([o, exit_code] { *exit_code = RunConsistency(*o); });
}

}  // namespace evchain::cli
