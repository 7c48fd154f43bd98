#include "node/admission.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <future>
#include <iterator>

#include "common/encoding.h"
#include "crypto/sha256.h"

namespace evchain::node {
namespace {

std::vector<Hash32> EvidenceIds(const std::vector<ledger::EntryFacts>& facts) {
  std::vector<Hash32> ids;
  ids.reserve(facts.size());
  for (const ledger::EntryFacts& f : facts) ids.push_back(f.statement_hash);
  return ids;
}

}  // namespace

Admission::Admission(Host* host, PendingJournal* journal, size_t max_pending)
    : host_(host), journal_(journal), max_pending_(max_pending), pool_(max_pending) {}

Result<Admission::JournalRequest> Admission::Prepare(const std::vector<ledger::Entry>& entries,
                                                     const std::vector<ledger::EntryFacts>* facts) {
  if (stopping_) return Status::Error("overloaded", "the validator is shutting down");
  // Back-pressure from the replica's own pool, which also holds the deposits peers forwarded:
  // a node whose clients are idle but whose peers' clients are not still sheds load here,
  // before it costs a journal write, rather than letting the backlog grow without bound. A
  // batch must fit whole, so that Overloaded(n), asked before the batch is checked, agrees.
  if (ReplicaFull(entries.size())) {
    return Status::Error("overloaded", "the network holds max_pending deposits not yet committed");
  }
  auto admitted = pool_.Admit(
      entries,
      [this](const std::string& depositor, const std::string& nonce,
             const Hash32& id) -> Result<bool> {
        Result<std::optional<Hash32>> owner = host_->CommittedNonceOwner(depositor, nonce);
        if (!owner.ok()) {
          return Status::Error("unavailable",
                               "this validator cannot read its nonce index now; send the deposit "
                               "again later, or to another validator");
        }
        return owner->has_value() && **owner != id;
      },
      facts);
  if (!admitted.ok()) return admitted.status();
  for (size_t i = 0; i < admitted->fresh.size(); ++i) {
    host_->Verified(admitted->fresh[i], admitted->fresh_facts[i]);
  }
  JournalRequest request;
  request.earlier_copies = std::move(admitted->not_yet_durable);
  for (size_t i = 0; i < admitted->fresh.size(); ++i) {
    const Hash32& id = admitted->fresh_facts[i].statement_hash;
    if (host_->Committed(id)) {
      request.settled.push_back(id);
      continue;
    }
    request.fresh.push_back(std::move(admitted->fresh[i]));
    request.facts.push_back(std::move(admitted->fresh_facts[i]));
  }
  return request;
}

void Admission::Admit(const std::vector<ledger::Entry>& entries, Done done) {
  JournalPrepared(Prepare(entries, nullptr), std::move(done));
}

void Admission::Admit(const std::vector<ledger::Entry>& entries,
                      const std::vector<ledger::EntryFacts>& facts, Done done) {
  JournalPrepared(Prepare(entries, &facts), std::move(done));
}

void Admission::JournalPrepared(Result<JournalRequest> request, Done done) {
  if (!request.ok()) {
    if (request.status().code() == "overloaded" && !stopping_) ++overload_refusals_;
    done(request.status());
    return;
  }
  request->done = std::move(done);
  Journal(std::move(*request));
}

Status Admission::AdmitAndWait(const std::vector<ledger::Entry>& entries, bool journal) {
  if (!journal) {
    Result<JournalRequest> request = Prepare(entries, nullptr);
    if (!request.ok()) return request.status();
    pool_.MarkDurable(EvidenceIds(request->facts));
    if (!request->settled.empty()) Settle(request->settled);
    Enqueue(std::move(request->fresh), std::move(request->facts));
    return Status::Ok();
  }
  std::promise<Status> outcome;
  std::future<Status> result = outcome.get_future();
  Admit(entries, [&outcome](Status s) { outcome.set_value(std::move(s)); });
  return result.get();
}

// Every journalled admission passes through here, even one with nothing fresh to write: the
// rounds are also when admissions waiting for an earlier copy are looked at again.
void Admission::Journal(JournalRequest request) {
  {
    std::lock_guard lock(journal_mu_);
    journal_queue_.push_back(std::move(request));
    if (writing_) return;  // the writer takes it in its next round
    writing_ = true;
  }
  WriteRounds();
}

void Admission::WriteRounds() {
  while (true) {
    std::vector<JournalRequest> round;
    {
      std::lock_guard lock(journal_mu_);
      if (journal_queue_.empty()) {
        writing_ = false;
        return;
      }
      round.swap(journal_queue_);
    }
    std::vector<ledger::Entry> fresh;
    std::vector<ledger::EntryFacts> facts;
    for (JournalRequest& r : round) {
      fresh.insert(fresh.end(), std::make_move_iterator(r.fresh.begin()),
                   std::make_move_iterator(r.fresh.end()));
      facts.insert(facts.end(), std::make_move_iterator(r.facts.begin()),
                   std::make_move_iterator(r.facts.end()));
    }
    const std::vector<Hash32> fresh_ids = EvidenceIds(facts);
    // One synced write for the whole round: durable when it returns Ok.
    bool store_failed = false;
    if (Status written = WriteJournal(fresh, fresh_ids, &store_failed); !written.ok()) {
      // Not durable, so not acknowledged: every client of the round sees the error and resends.
      // (The requests' facts were moved into `facts` above: fresh_ids holds their ids.)
      spdlog::error("cannot record deposits in the journal: {}", written.ToString());
      if (store_failed) host_->JournalFailed(written);
      Settle(fresh_ids);
      for (JournalRequest& r : round) {
        if (!r.settled.empty()) Settle(r.settled);
        r.done(written);
      }
    } else {
      pool_.MarkDurable(fresh_ids);
      Enqueue(std::move(fresh), std::move(facts));
      for (JournalRequest& r : round) {
        if (!r.settled.empty()) Settle(r.settled);
        Acknowledge(std::move(r));
      }
    }
    RecheckAwaiting();
  }
}

// An exception out of the write (an allocation failure) is reported like a failed write: this
// round's clients get the error, and the writer goes on, so later admissions are not stranded.
Status Admission::WriteJournal(const std::vector<ledger::Entry>& fresh,
                               const std::vector<Hash32>& fresh_ids, bool* store_failed) {
  try {
    Status written = journal_->Add(fresh, fresh_ids);
    // "internal": a deposit that would not encode, found before anything was written.
    *store_failed = !written.ok() && written.code() != "internal";
    return written;
  } catch (const std::exception& e) {
    return Status::Error("internal", std::string("journal write failed: ") + e.what());
  }
}

void Admission::Acknowledge(JournalRequest request) {
  // Copies of deposits another admission is still journalling: acknowledged only once that write
  // is durable (or the deposit committed); if it failed, this client must send it again.
  DepositPool::Durability copies = pool_.CheckDurable(request.earlier_copies);
  if (copies.undecided) {
    std::lock_guard lock(journal_mu_);
    awaiting_copies_.push_back(std::move(request));
    return;
  }
  for (const Hash32& id : copies.left) {
    if (!host_->Committed(id)) {
      request.done(Status::Error(
          "unavailable", "an earlier copy of this deposit could not be recorded; send it again"));
      return;
    }
  }
  request.done(Status::Ok());
}

// An earlier copy is decided by its own admission's round (which always follows: every
// journalled admission has one) or by a commit, so looking again after each round suffices.
void Admission::RecheckAwaiting() {
  std::vector<JournalRequest> awaiting;
  {
    std::lock_guard lock(journal_mu_);
    awaiting.swap(awaiting_copies_);
  }
  for (JournalRequest& r : awaiting) Acknowledge(std::move(r));
}

void Admission::Enqueue(std::vector<ledger::Entry> fresh, std::vector<ledger::EntryFacts> facts) {
  if (fresh.empty()) return;
  bool wake = false;
  {
    std::lock_guard lock(queue_mu_);
    wake = queue_.empty();
    queue_.reserve(queue_.size() + fresh.size());
    for (size_t i = 0; i < fresh.size(); ++i) {
      ledger::EntryFacts& f = facts[i];
      queue_.push_back({std::move(fresh[i]),
                        f.statement_hash,
                        {std::move(f.depositor), std::move(f.nonce)},
                        f.digest});
    }
  }
  if (wake) host_->QueueReady();
}

std::vector<consensus::ClientDeposit> Admission::TakeQueued() {
  std::vector<consensus::ClientDeposit> deposits;
  std::lock_guard lock(queue_mu_);
  deposits.swap(queue_);
  return deposits;
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
    if (Status s = AdmitAndWait({e}, /*journal=*/false); !s.ok()) {
      ++*dropped;
      if (s.code() == "overloaded" || s.code() == "unavailable") {
        // Not a refusal: more journalled than max_pending now allows (it was lowered), or a
        // nonce index that cannot be read now (a read error), says nothing about the deposit.
        // The record stays, and the deposit is proposed at a later start: an acknowledged
        // deposit leaves the journal only once it is settled.
        spdlog::error("pending deposit {} not proposed now, kept in the journal: {}",
                      ToHex(crypto::Sha256(e.statement)), s.ToString());
        continue;
      }
      // Refused for good (its nonce is another statement's): it can never commit.
      spdlog::warn("pending deposit {} dropped: {}", ToHex(crypto::Sha256(e.statement)),
                   s.ToString());
      Settle({crypto::Sha256(e.statement)});
      continue;
    }
    ++admitted;
  }
  return admitted;
}

bool Admission::ReplicaFull(size_t incoming) const {
  return host_->ReplicaPending() + incoming > max_pending_;
}

bool Admission::Overloaded(size_t incoming) const {
  if (stopping_) return true;
  // The pool's own rule (DepositPool::Admit), for `incoming` deposits all fresh.
  const bool full = ReplicaFull(incoming) || pool_.size() + incoming > max_pending_;
  if (full) ++overload_refusals_;
  return full;
}

}  // namespace evchain::node
