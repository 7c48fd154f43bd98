// evchain deposit: hash files locally, build and sign canonical statements (docs/formats.md
// "Deposit statement", "Batch statement"), submit them, and save a verified receipt per file.
#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "crypto/sodium_init.h"
#include "ledger/receipt.h"
#include "ledger/statement.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/file_hash.h"
#include "tools/cli/http_client.h"
#include "tools/cli/progress.h"
#include "tools/cli/verbs.h"
#include "tools/cli/verify_report.h"

namespace evchain::cli {
namespace {

constexpr const char* kDepositVerb = "deposit";

struct DepositOptions {
  std::vector<std::string> files;
  std::string key;
  std::string depositor;
  std::string node;
  std::string genesis;
  std::string kind;
  std::string source;
  std::string captured_at;
  std::string case_ref;
  std::vector<std::string> related;
  std::string nonce;
  bool wait = false;
  int timeout_s = 60;
};

struct Item {
  std::string file;
  Hash32 digest{};
  std::string statement;
  std::string evidence_id;
  bool saved = false;
};

std::string RandomNonce() {
  crypto::EnsureSodium();
  uint8_t bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  return ToHex(ByteView(bytes, sizeof bytes));
}

// Every field of a file's statement that comes from the command line; the digest and nonce are
// the caller's.
ledger::DepositStatement StatementFromOptions(const DepositOptions& o,
                                              const std::string& chain_id) {
  ledger::DepositStatement st;
  st.chain_id = chain_id;
  st.depositor = o.depositor;
  st.kind = o.kind;
  st.source = o.source;
  st.captured_at = o.captured_at;
  st.case_ref = o.case_ref;
  st.related = o.related;
  return st;
}

// Items of a batch need distinct nonces; derived from the batch nonce so that re-running with
// the same --nonce re-sends identical statements (idempotent).
std::string ItemNonce(const std::string& batch_nonce, size_t item) {
  return ToHex(crypto::Sha256(batch_nonce + "/" + std::to_string(item))).substr(0, 32);
}

// FILE.receipt.json, then FILE.receipt.2.json, FILE.receipt.3.json, ...
std::string ReceiptPath(const std::string& file, int n) {
  return n == 1 ? file + ".receipt.json" : file + ".receipt." + std::to_string(n) + ".json";
}
constexpr int kMaxReceiptNames = 1000;

std::string SignatureHex(const crypto::SecretKey& key, std::string_view text) {
  const crypto::Signature sig = key.Sign(AsBytes(text));
  return ToHex(ByteView(sig));
}

// Checks a receipt against the genesis and the file's own digest, then saves it as
// FILE.receipt.json, or under the next free name when that holds another receipt. Returns false
// (after a message) when the receipt does not verify or cannot be written: it is then not saved.
bool SaveReceipt(Item& item, const nlohmann::json& receipt_json, const genesis::Genesis& genesis) {
  auto receipt = ledger::Receipt::FromJson(receipt_json.dump());
  if (!receipt.ok()) {
    Fail(kDepositVerb, kExitFailed,
         item.file + ": node sent a malformed receipt: " + receipt.status().message());
    return false;
  }
  const auto verification = ledger::VerifyReceipt(*receipt, genesis, item.digest);
  if (!verification.ok) {
    std::string why = "receipt does not verify";
    for (const auto& step : verification.steps) {
      if (!step.ok) why += " at step " + step.name + ": " + step.detail;
    }
    Fail(kDepositVerb, kExitFailed, item.file + ": " + why + "; not saved");
    return false;
  }
  const std::string content = receipt->ToJson() + "\n";
  std::string path;
  std::string note;
  // An existing receipt is never replaced: an earlier deposit of the same file proves an earlier
  // time. The new one goes to the first free FILE.receipt.N.json (docs/cli.md "deposit").
  for (int n = 1;; ++n) {
    if (n > kMaxReceiptNames) {
      Fail(kDepositVerb, kExitIo,
           item.file + ": " + std::to_string(kMaxReceiptNames) +
               " receipt files exist already; receipt not saved");
      return false;
    }
    path = ReceiptPath(item.file, n);
    Status s = WriteNewFile(path, content);
    if (s.ok()) break;
    if (s.code() != "exists") {
      Fail(kDepositVerb, kExitIo, s.message());
      return false;
    }
    auto existing = ReadFile(path);
    if (existing.ok() && *existing == content) {
      note = " (already saved)";
      break;
    }
    if (n == 1) note = " (kept the earlier " + path + ")";
  }
  item.saved = true;
  std::cout << "committed " << item.evidence_id << " block " << receipt->block_height << " "
            << PrintableText(item.file) << " -> " << PrintableText(path) << PrintableText(note)
            << "\n";
  return true;
}

// Looks up one deposit; saves its receipt when committed. Returns true iff committed.
Result<bool> FetchReceipt(NodeClient& client, Item& item, const genesis::Genesis& genesis,
                          bool* verify_failed) {
  auto json = client.GetJson("/v1/deposits/" + item.evidence_id);
  if (!json.ok()) return json.status();
  if (json->value("status", std::string()) != "committed" || !json->contains("receipt")) {
    return false;
  }
  if (!SaveReceipt(item, (*json)["receipt"], genesis)) *verify_failed = true;
  return true;
}

// Sends a deposit, and sends it again while the node sheds load (503 overloaded; 429 over a
// rate limit or the depositor's quota: docs/operations.md "Overload"), after the Retry-After it
// names (1 s without one, at most 60 s), until `deadline`. Safe to repeat: the same statement is
// the same deposit (docs/api.md, idempotent). Each wait is said on stderr.
Result<nlohmann::json> Submit(NodeClient& client, const std::string& path,
                              const nlohmann::json& body,
                              std::chrono::steady_clock::time_point deadline) {
  for (int attempt = 1;; ++attempt) {
    auto res = client.PostJson(path, body);
    if (res.ok()) return res;
    const std::string code = res.status().code();
    if (code != "http_503" && code != "http_429") return res;
    const std::chrono::seconds wait =
        std::clamp(client.retry_after().value_or(std::chrono::seconds(1)), std::chrono::seconds(0),
                   std::chrono::seconds(60));
    if (std::chrono::steady_clock::now() + wait > deadline) {
      return Status::Error(code, res.status().message() + "; still refused after " +
                                     std::to_string(attempt) +
                                     " attempt(s) within --timeout: try again later");
    }
    std::cerr << "evchain " << kDepositVerb << ": " << PrintableText(res.status().message())
              << "; sending it again in " << wait.count() << " s\n";
    std::this_thread::sleep_for(wait);
  }
}

int RunDeposit(const DepositOptions& o) {
  auto client_or = NodeClient::Create(o.node);
  if (!client_or.ok()) return Fail(kDepositVerb, kExitUsage, client_or.status().message());
  NodeClient& client = **client_or;
  // No one answer may outlast --timeout by much either (a node that drips its answer). The node
  // holds a ?wait=commit request for at most wait_ms (below), then answers 202: 5 s for that
  // answer to arrive.
  client.set_answer_limit(std::chrono::seconds(o.timeout_s + 5));
  // A directory or a FIFO given as the key would otherwise be refused as "readable by group or
  // others (chmod 600)", a fix that does not help.
  if (Status s = CheckRegularFile(o.key); !s.ok()) return Fail(kDepositVerb, kExitIo, s.message());
  auto key = crypto::SecretKey::LoadFile(o.key);
  if (!key.ok()) return Fail(kDepositVerb, kExitIo, key.status().message());

  // The genesis names the chain id and verifies receipts; a fetched one is only as trustworthy
  // as the node, which is fine for submitting (the depositor's own signature is what matters).
  genesis::Genesis genesis;
  if (!o.genesis.empty()) {
    auto loaded = LoadGenesis(o.genesis);
    if (!loaded.ok()) return FailGenesis(kDepositVerb, loaded.status());
    genesis = std::move(loaded).value();
  } else {
    auto text = client.GetText("/v1/genesis");
    if (!text.ok()) return Fail(kDepositVerb, kExitIo, text.status().message());
    auto parsed = genesis::ParseGenesis(*text);
    if (!parsed.ok())
      return Fail(kDepositVerb, kExitIo, "node's genesis: " + parsed.status().message());
    genesis = std::move(parsed).value();
  }
  const genesis::Depositor* depositor = genesis.FindDepositor(o.depositor);
  if (depositor == nullptr) {
    return Fail(kDepositVerb, kExitUsage, "depositor '" + o.depositor + "' is not in the genesis");
  }
  if (depositor->public_key != key->public_key()) {
    return Fail(kDepositVerb, kExitUsage,
                o.key + " is not the key of depositor '" + o.depositor + "' in the genesis");
  }

  const bool batched = o.files.size() > 1;
  const std::string nonce = o.nonce.empty() ? RandomNonce() : o.nonce;
  // The statement's fields from the options, checked before any file is read (a typo in --kind
  // should not wait for a large file's hashing); each file's digest goes in later.
  const ledger::DepositStatement from_options = StatementFromOptions(o, genesis.chain_id);
  {
    ledger::DepositStatement probe = from_options;
    probe.digest.fill(0);
    probe.nonce = batched ? ItemNonce(nonce, 0) : nonce;
    if (Status s = probe.Validate(); !s.ok()) return Fail(kDepositVerb, kExitUsage, s.ToString());
    if (batched) {
      if (o.files.size() > ledger::kMaxBatchItems) {
        return Fail(kDepositVerb, kExitUsage,
                    "at most " + std::to_string(ledger::kMaxBatchItems) + " files per deposit");
      }
      ledger::BatchStatement batch;
      batch.chain_id = genesis.chain_id;
      batch.depositor = o.depositor;
      batch.items = o.files.size();
      batch.nonce = nonce;
      if (Status s = batch.Validate(); !s.ok()) {
        return Fail(kDepositVerb, kExitUsage, s.ToString());
      }
    }
  }

  // Hash every file first: a bad path fails before anything is submitted.
  uint64_t total_bytes = 0;
  for (const auto& file : o.files) {
    if (Status s = CheckRegularFile(file); !s.ok()) return Fail(kDepositVerb, kExitIo, s.message());
    struct stat st {};
    if (stat(file.c_str(), &st) == 0) total_bytes += static_cast<uint64_t>(st.st_size);
  }
  std::vector<Item> items(o.files.size());
  {
    Progress progress("hashing", total_bytes, Progress::Unit::kBytes);
    for (size_t i = 0; i < o.files.size(); ++i) {
      items[i].file = o.files[i];
      auto digest = HashFile(o.files[i], &progress);
      if (!digest.ok()) return Fail(kDepositVerb, kExitIo, digest.status().message());
      items[i].digest = *digest;
    }
  }

  for (size_t i = 0; i < items.size(); ++i) {
    ledger::DepositStatement st = from_options;
    st.digest = items[i].digest;
    st.nonce = batched ? ItemNonce(nonce, i) : nonce;
    if (Status s = st.Validate(); !s.ok()) {
      return Fail(kDepositVerb, kExitUsage, items[i].file + ": " + s.ToString());
    }
    items[i].statement = st.Canonical();
    items[i].evidence_id = ledger::EvidenceId(items[i].statement);
  }

  const std::string wait =
      o.wait ? "?wait=commit&wait_ms=" + std::to_string(int64_t{o.timeout_s} * 1000) : "";
  const auto submit_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
  nlohmann::json response;
  if (!batched) {
    auto res = Submit(
        client, "/v1/deposits" + wait,
        {{"statement", items[0].statement}, {"signature", SignatureHex(*key, items[0].statement)}},
        submit_deadline);
    if (!res.ok()) return Fail(kDepositVerb, kExitIo, "submit failed: " + res.status().message());
    response = std::move(res).value();
  } else {
    std::vector<std::string> texts;
    texts.reserve(items.size());
    for (const auto& item : items) texts.push_back(item.statement);
    ledger::BatchStatement batch;
    batch.chain_id = genesis.chain_id;
    batch.depositor = o.depositor;
    batch.items = texts.size();
    batch.root = ledger::BatchRoot(texts);
    batch.nonce = nonce;
    if (Status s = batch.Validate(); !s.ok()) return Fail(kDepositVerb, kExitUsage, s.ToString());
    const std::string batch_text = batch.Canonical();
    auto res = Submit(client, "/v1/deposits/batch" + wait,
                      {{"statement", batch_text},
                       {"signature", SignatureHex(*key, batch_text)},
                       {"items", texts}},
                      submit_deadline);
    if (!res.ok()) return Fail(kDepositVerb, kExitIo, "submit failed: " + res.status().message());
    response = std::move(res).value();
  }

  // Receipts that came with the answer (?wait=commit), matched by evidence id.
  std::map<std::string, Item*> by_id;
  for (auto& item : items) by_id[item.evidence_id] = &item;
  std::vector<nlohmann::json> receipts;
  if (response.contains("receipt")) receipts.push_back(response["receipt"]);
  if (response.contains("receipts") && response["receipts"].is_array()) {
    for (const auto& r : response["receipts"]) receipts.push_back(r);
  }
  bool verify_failed = false;
  for (const auto& r : receipts) {
    if (!r.is_object()) continue;
    auto it = by_id.find(r.value("evidence_id", std::string()));
    if (it != by_id.end() && !it->second->saved) {
      if (!SaveReceipt(*it->second, r, genesis)) verify_failed = true;
    }
  }

  // Poll for the rest: until the timeout with --wait, once without.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
  while (true) {
    bool all_done = true;
    for (auto& item : items) {
      if (item.saved) continue;
      auto committed = FetchReceipt(client, item, genesis, &verify_failed);
      if (!committed.ok()) return Fail(kDepositVerb, kExitIo, committed.status().message());
      if (!*committed) all_done = false;
    }
    if (all_done || !o.wait || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  size_t pending = 0;
  for (const auto& item : items) {
    if (item.saved) continue;
    ++pending;
    std::cout << "pending   " << item.evidence_id << " " << PrintableText(item.file) << "\n";
  }
  if (verify_failed) return kExitFailed;
  if (pending > 0 && o.wait) {
    return Fail(kDepositVerb, kExitIo,
                std::to_string(pending) + " deposit(s) not committed within " +
                    std::to_string(o.timeout_s) + " s; run again with the same --nonce " + nonce +
                    " to fetch the receipts");
  }
  if (pending > 0) {
    std::cout << "nonce " << nonce << " (re-run with --nonce " << nonce
              << " --wait to collect the receipts)\n";
  }
  return kExitOk;
}

}  // namespace

void AddDeposit(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<DepositOptions>();
  auto* cmd = app.add_subcommand("deposit", "Hash files, sign and submit their deposits");
  cmd->add_option("files", o->files, "Evidence files (several: one signed batch)")->required();
  cmd->add_option("--key", o->key, "Depositor key file")->required();
  cmd->add_option("--depositor", o->depositor, "Depositor id in the genesis")->required();
  cmd->add_option("--node", o->node, "Node URL, e.g. http://127.0.0.1:8081")->required();
  cmd->add_option("--genesis", o->genesis, "Trusted genesis file (default: fetched from the node)");
  cmd->add_option("--kind", o->kind, "webpage|screenshot|source|log|document|audio|video|other");
  cmd->add_option("--source", o->source, "URI the evidence was captured from");
  cmd->add_option("--captured-at", o->captured_at, "Capture time, RFC 3339");
  cmd->add_option("--case-ref", o->case_ref, "Case reference");
  cmd->add_option("--related", o->related, "Evidence id this corroborates (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--nonce", o->nonce,
                  "Idempotency nonce (default: 16 random bytes in hex); reuse it to re-send");
  cmd->add_flag("--wait", o->wait, "Wait for the commit and save FILE.receipt.json");
  cmd->add_option("--timeout", o->timeout_s,
                  "Seconds to wait: for a node that sheds load (503, 429) to take the deposit, "
                  "and with --wait for the commit")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  cmd->footer(
      "Receipts are verified against the genesis before they are saved as FILE.receipt.json;\n"
      "an existing receipt is kept and the new one saved as FILE.receipt.2.json (.3, ...).\n"
      "A node that sheds load (503 overloaded, 429) is sent the deposit again after the\n"
      "Retry-After it names, until --timeout: the same statement is the same deposit.\n\n"
      "Example:\n  evchain deposit page.html shot.png --key depositor.key --depositor "
      "demo-platform \\\n    --node http://127.0.0.1:8081 --kind webpage --source "
      "https://example.com/post/1 --wait"
      "\n");
  cmd->callback([o, exit_code] { *exit_code = RunDeposit(*o); });
}

}  // namespace evchain::cli
