// A small real chain for api tests: a 4-validator genesis (2 courts, a notary, a time service)
// with one depositor, all keys from fixed seeds; a fake NodeService whose pending deposits are
// committed on demand into a real in-memory EvidenceLog as blocks cosigned by every validator.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/context.h"
#include "api/http_types.h"
#include "api/metrics.h"
#include "api/node_service.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "genesis/genesis.h"
#include "ledger/statement.h"
#include "storage/evidence_log.h"
#include "storage/kv_store.h"

namespace evchain::api::testing {

constexpr char kChainId[] = "test-chain";
constexpr char kDepositorId[] = "demo-platform";
constexpr char kDepositorName[] = "Demo Evidence Platform";
constexpr UnixMillis kFirstBlockTime = 1795865427000;  // 2026-11-28T11:30:27Z

crypto::SecretKey SeededKey(uint8_t seed);
crypto::SecretKey& DepositorKey();
// A key the genesis does not know.
crypto::SecretKey& StrangerKey();
const genesis::Genesis& TestGenesis();
std::string TestGenesisJson();

// A valid deposit statement; `nonce` keeps statements distinct.
ledger::DepositStatement MakeStatement(const Hash32& digest, const std::string& nonce);
Hash32 DigestOf(std::string_view content);
// {"statement": ..., "signature": ...} signed by the demo depositor.
std::string DepositBody(const std::string& statement_text);
std::string DepositBody(const std::string& statement_text, const crypto::SecretKey& key);
// A POST /v1/deposits/batch body: `items` under a batch statement of `nonce`, signed by the
// demo depositor.
std::string SignedBatchBody(const std::vector<std::string>& items, const std::string& nonce);

class FakeNode : public NodeService {
 public:
  FakeNode();
  // Admits at once and resumes the caller at once, unless hold_submits: then the outcome waits
  // for ReleaseSubmits() (a journal write in progress, for as long as a test needs).
  void Submit(std::vector<ledger::Entry> entries, std::vector<ledger::EntryFacts> facts,
              SubmitDone done) override;
  // Resumes every held Submit; returns how many.
  size_t ReleaseSubmits();
  size_t held_submits() const;
  bool IsPending(const Hash32& evidence_id) const override;
  bool Overloaded(size_t incoming) const override { return overloaded || incoming > room; }
  size_t MaxPending() const override { return max_pending; }
  void SetCommitListener(std::function<void(const std::vector<Hash32>&)> listener) override;
  NodeStatusInfo Status() const override;
  const storage::EvidenceLog& Log() const override { return *log_; }

  // Commits all pending entries as one block (no-op when nothing is pending) and tells the
  // commit listener. Thread-safe with respect to the HTTP server's workers.
  void CommitPending();

  size_t submit_calls = 0;       // every call, successful or not
  size_t submitted_entries = 0;  // entries admitted
  // Resolve() commits pending deposits before finishing a parked ?wait=commit response.
  bool commit_on_wait = false;
  std::optional<evchain::Status> submit_error;  // returned by Submit when set
  bool hold_submits = false;
  bool overloaded = false;                           // Overloaded() answers true for any count ...
  size_t room = std::numeric_limits<size_t>::max();  // ... or for more deposits than this
  size_t max_pending = std::numeric_limits<size_t>::max();
  std::string status_throws;        // Status() throws std::runtime_error(status_throws) when set
  std::function<void()> on_status;  // Status() calls it first when set (on a handler worker)
  std::function<void()> on_is_pending;  // IsPending() calls it first when set

 private:
  // The HTTP server's workers call Submit/IsPending while a test thread commits.
  mutable std::recursive_mutex mu_;
  evchain::Status Admit(const std::vector<ledger::Entry>& entries);
  std::function<void(const std::vector<Hash32>&)> listener_;
  std::vector<std::function<void()>> held_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<storage::EvidenceLog> log_;
  std::vector<ledger::Entry> pending_;
  std::set<Hash32> pending_ids_;
  std::map<std::pair<std::string, std::string>, std::string> nonces_;  // -> statement
  crypto::MerkleFrontier frontier_;
  Hash32 last_block_hash_{};
};

// Handle(), then what a transport does with a Deferred answer, done synchronously: start it,
// wait for the node to resume it, finish it.
HttpResponse Serve(const HttpRequest& request, Context& ctx);
// What a transport does with a response that asks to wait for a commit (CommitWait), done
// synchronously: with node.commit_on_wait the pending deposits commit first.
HttpResponse Resolve(HttpResponse response, FakeNode& node);

// A FakeNode plus the Context the handlers take.
struct Harness {
  FakeNode node;
  Metrics metrics;
  ApiConfig config;
  Context ctx{TestGenesis(), node, metrics, config};
};

}  // namespace evchain::api::testing
