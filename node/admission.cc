#include "node/admission.h"

#include <spdlog/spdlog.h>

#include <iterator>

#include "common/encoding.h"
#include "crypto/sha256.h"

namespace evchain::node {
namespace {

// How long a copy waits for an earlier copy's journal write (a synced LevelDB write: normally
// milliseconds) before the client is told to send it again.
constexpr std::chrono::milliseconds kDurableWait{10'000};

}  // namespace

Admission::Admission(Host* host, PendingJournal* journal, size_t max_pending)
    : host_(host), journal_(journal), max_pending_(max_pending), pool_(max_pending) {}

Status Admission::Admit(const std::vector<ledger::Entry>& entries, bool journal) {
  if (stopping_) return Status::Error("overloaded", "the validator is shutting down");
  // Back-pressure from the replica's own pool, which also holds the deposits peers forwarded:
  // a node whose clients are idle but whose peers' clients are not still sheds load here,
  // before it costs a journal write, rather than letting the backlog grow without bound.
  if (host_->ReplicaPending() >= max_pending_) {
    return Status::Error("overloaded", "the network holds max_pending deposits not yet committed");
  }
  auto admitted = pool_.Admit(
      entries, [this](const std::string& depositor, const std::string& nonce, const Hash32& id) {
        const std::optional<Hash32> owner = host_->CommittedNonceOwner(depositor, nonce);
        return owner.has_value() && *owner != id;
      });
  if (!admitted.ok()) return admitted.status();
  for (const auto& e : admitted->fresh) host_->Verified(e);
  std::vector<ledger::Entry> fresh;
  std::vector<Hash32> fresh_ids;
  std::vector<Hash32> settled;
  for (auto& e : admitted->fresh) {
    const Hash32 id = crypto::Sha256(e.statement);
    if (host_->Committed(id)) {
      settled.push_back(id);
      continue;
    }
    fresh.push_back(std::move(e));
    fresh_ids.push_back(id);
  }
  if (journal) {
    if (Status s = journal_->Add(fresh); !s.ok()) {
      // Not durable, so not acknowledged: the client sees an error and resends.
      settled.insert(settled.end(), fresh_ids.begin(), fresh_ids.end());
      Settle(settled);
      spdlog::error("cannot record deposits in the journal: {}", s.ToString());
      return s;
    }
  }
  pool_.MarkDurable(fresh_ids);
  if (!settled.empty()) Settle(settled);
  // Copies of deposits another request is still journalling: acknowledged only once that write
  // is durable (or the deposit committed); if it failed, this client must send it again.
  if (!admitted->not_yet_durable.empty()) {
    for (const Hash32& id : pool_.WaitDurable(admitted->not_yet_durable, kDurableWait)) {
      if (!host_->Committed(id)) {
        return Status::Error("unavailable",
                             "an earlier copy of this deposit could not be recorded; send it "
                             "again");
      }
    }
  }
  if (fresh.empty()) return Status::Ok();
  bool wake = false;
  {
    std::lock_guard lock(queue_mu_);
    wake = queue_.empty();
    queue_.insert(queue_.end(), std::make_move_iterator(fresh.begin()),
                  std::make_move_iterator(fresh.end()));
  }
  if (wake) host_->QueueReady();
  return Status::Ok();
}

std::vector<ledger::Entry> Admission::TakeQueued() {
  std::vector<ledger::Entry> entries;
  std::lock_guard lock(queue_mu_);
  entries.swap(queue_);
  return entries;
}

std::vector<double> Admission::Settle(const std::vector<Hash32>& evidence_ids) {
  std::vector<double> waited = pool_.MarkCommitted(evidence_ids);
  if (Status s = journal_->Remove(evidence_ids); !s.ok()) {
    spdlog::warn("cannot clear settled deposits from the journal: {}", s.ToString());
  }
  return waited;
}

Result<size_t> Admission::Resume(const genesis::Genesis& genesis, size_t* dropped) {
  auto pending = journal_->Load(genesis, dropped);
  if (!pending.ok()) return pending.status();
  size_t admitted = 0;
  for (const ledger::Entry& e : *pending) {
    if (Status s = Admit({e}, /*journal=*/false); !s.ok()) {
      ++*dropped;
      if (s.code() == "overloaded") {
        // More journalled than max_pending now allows (it was lowered): the record stays, and
        // the deposit is proposed at a later start. An acknowledged deposit is never dropped.
        spdlog::error("pending deposit {} not proposed now, kept in the journal: {}",
                      ToHex(crypto::Sha256(e.statement)), s.ToString());
        continue;
      }
      spdlog::warn("pending deposit {} dropped: {}", ToHex(crypto::Sha256(e.statement)),
                   s.ToString());
      Settle({crypto::Sha256(e.statement)});
      continue;
    }
    ++admitted;
  }
  return admitted;
}

bool Admission::Overloaded() const {
  return stopping_ || host_->ReplicaPending() >= max_pending_ || pool_.size() >= max_pending_;
}

}  // namespace evchain::node
