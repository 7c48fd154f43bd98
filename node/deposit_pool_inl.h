// Template members of DepositPool (included by deposit_pool.h only).
#pragma once

#include "crypto/sha256.h"
#include "storage/statement_fields.h"

namespace evchain::node {

template <typename CommittedConflict>
Result<DepositPool::Admitted> DepositPool::Admit(const std::vector<ledger::Entry>& entries,
                                                 CommittedConflict&& committed_conflict,
                                                 const std::vector<ledger::EntryFacts>* facts) {
  if (facts != nullptr && facts->size() != entries.size()) facts = nullptr;  // not these entries
  struct Parsed {
    ledger::EntryFacts facts;
    Hash32 nonce_key;
  };
  std::vector<Parsed> parsed;
  parsed.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (facts != nullptr) {  // the API handler's parse and hash
      const ledger::EntryFacts& f = (*facts)[i];
      parsed.push_back({f, NonceKey(f.depositor, f.nonce)});
      continue;
    }
    const ledger::Entry& e = entries[i];
    // The statements were parsed in full before (REQUIRES): finding the fields in the
    // canonical line structure is enough here.
    auto st = storage::ScanDepositStatement(e.statement);
    if (!st.ok()) return st.status();
    parsed.push_back({ledger::EntryFacts{crypto::Sha256(e.statement), st->digest,
                                         std::string(st->depositor), std::string(st->nonce)},
                      NonceKey(st->depositor, st->nonce)});
  }
  // Committed-nonce checks read storage: they run outside the lock, before the admission and
  // again after it. A statement holding the nonce that commits in between has left the pool
  // (MarkCommitted runs after its block is in the index), so the first lookup and the pending
  // check can both miss it; the second lookup cannot.
  const auto committed_nonce = [&](const std::vector<size_t>& which) -> Status {
    for (size_t i : which) {
      const ledger::EntryFacts& f = parsed[i].facts;
      Result<bool> conflict = committed_conflict(f.depositor, f.nonce, f.statement_hash);
      if (!conflict.ok()) return conflict.status();
      if (*conflict) {
        return Status::Error("nonce_conflict", "nonce '" + f.nonce + "' of depositor '" +
                                                   f.depositor +
                                                   "' was already used for another statement");
      }
    }
    return Status::Ok();
  };
  std::vector<size_t> all(parsed.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  EVCHAIN_RETURN_IF_ERROR(committed_nonce(all));
  Admitted out;
  std::vector<size_t> fresh_indexes;
  {
    std::lock_guard lock(mu_);
    EVCHAIN_RETURN_IF_ERROR(AdmitLocked(parsed, entries, &out, &fresh_indexes));
  }
  if (Status again = committed_nonce(fresh_indexes); !again.ok()) {
    std::vector<Hash32> ids;
    ids.reserve(fresh_indexes.size());
    for (size_t i : fresh_indexes) ids.push_back(parsed[i].facts.statement_hash);
    MarkCommitted(ids);  // nothing is admitted on error
    return again;
  }
  return out;
}

template <typename Parsed>
Status DepositPool::AdmitLocked(const std::vector<Parsed>& parsed,
                                const std::vector<ledger::Entry>& entries, Admitted* out,
                                std::vector<size_t>* fresh_indexes) {
  Hash32HashMap<Hash32> batch_nonces(parsed.size(), nonces_.hash_function());
  size_t fresh_count = 0;
  for (const auto& p : parsed) {
    const Hash32& id = p.facts.statement_hash;
    auto it = nonces_.find(p.nonce_key);
    auto bit = batch_nonces.find(p.nonce_key);
    // Each message names the nonce as "nonce '<nonce>'": the batch route finds the item by it
    // (api/deposit_handlers.cc). The API refuses a nonce twice in one batch before it gets here;
    // this check stands for every other caller.
    if (bit != batch_nonces.end() && bit->second != id) {
      return Status::Error("nonce_conflict", "nonce '" + p.facts.nonce + "' of depositor '" +
                                                 p.facts.depositor +
                                                 "' is used by two statements of this submission");
    }
    if (it != nonces_.end() && it->second != id) {
      return Status::Error("nonce_conflict", "nonce '" + p.facts.nonce + "' of depositor '" +
                                                 p.facts.depositor +
                                                 "' is pending for another statement");
    }
    if (it == nonces_.end() && bit == batch_nonces.end()) ++fresh_count;
    batch_nonces.emplace(p.nonce_key, id);
  }
  if (pending_.size() + fresh_count > max_pending_) {
    return Status::Error("overloaded", "too many deposits waiting for a block; retry later");
  }
  auto now = std::chrono::steady_clock::now();
  for (size_t i = 0; i < parsed.size(); ++i) {
    const auto& p = parsed[i];
    const Hash32& id = p.facts.statement_hash;
    auto [it, inserted] = pending_.emplace(id, Pending{p.nonce_key, now});
    if (inserted) {
      nonces_.emplace(p.nonce_key, id);
      out->fresh.push_back(entries[i]);
      out->fresh_facts.push_back(p.facts);
      fresh_indexes->push_back(i);
    } else if (!it->second.durable) {
      out->not_yet_durable.push_back(id);
    }
  }
  return Status::Ok();
}

}  // namespace evchain::node
