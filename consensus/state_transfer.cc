// State transfer (Castro-Liskov TOCS §5.3, simplified by the hash chain): a replica that learns
// it is behind asks the host to fetch committed blocks with their certificates and verifies
// every one of them before applying it. docs/protocol.md "State transfer".
#include <algorithm>
#include <utility>

#include "consensus/replica_state.h"
#include "ledger/certificate.h"

namespace evchain::consensus {

namespace {

// Certificate of `b` valid and naming exactly its header; "" or the rejection reason.
std::string CheckCertificate(const genesis::Genesis& genesis, const CommittedBlock& b) {
  Result<ledger::VerifiedCertificate> cert = ledger::VerifyCertificate(b.certificate, genesis);
  if (!cert.ok()) return "certificate_" + cert.status().code();
  const ledger::CheckpointInfo& cp = cert->checkpoint;
  if (cp.height != b.header.height || cp.block_hash != b.header.Hash() ||
      cp.tree_size != b.header.log_size || cp.root != b.header.log_root ||
      cp.time != b.header.time || b.header.chain_id != genesis.chain_id) {
    return "certificate_mismatch";
  }
  return "";
}

}  // namespace

size_t VerifyFetchedBlocks(const genesis::Genesis& genesis, std::vector<CommittedBlock>* blocks,
                           DepositCheckCache* cache) {
  size_t verified = 0;
  for (CommittedBlock& b : *blocks) {
    b.verified = false;
    if (!CheckCertificate(genesis, b).empty() || !VerifyDeposits(genesis, b.entries, cache).ok()) {
      break;
    }
    b.verified = true;
    ++verified;
  }
  for (size_t i = verified; i < blocks->size(); ++i) (*blocks)[i].verified = false;
  return verified;
}

void Replica::State::MaybeFetch() {
  // The height f+1 peers report (at least one of them correct): a single Byzantine peer
  // claiming a huge committed height once kept every correct replica "catching up" for ever,
  // dropping FORWARDs the while, until request timers changed the view again and again
  // (tests/consensus/faults_test.cc, kFlood).
  std::vector<uint64_t> reported;
  for (const auto& [peer, height] : peer_committed) reported.push_back(height);
  std::sort(reported.rbegin(), reported.rend());
  const uint64_t vouched = reported.size() > f ? reported[f] : 0;
  const uint64_t target = std::max({stable_seq, checkpoint_votes.FarTarget(), vouched});
  // Retries are rate-limited, but news of a higher height is passed on at once: the host may be
  // fetching only up to the last to_height it was given.
  if (target <= tip.height || (now < fetch_retry_at && target <= fetch_to)) return;
  std::vector<std::pair<uint64_t, int>> ahead;
  for (const auto& [peer, height] : peer_committed) {
    if (height > tip.height && peer != self) ahead.emplace_back(height, peer);
  }
  std::sort(ahead.rbegin(), ahead.rend());
  // Successive attempts start with a different peer, so a peer serving bad blocks (or claiming
  // a height it does not have) delays us by one retry at most.
  if (!ahead.empty()) {
    std::rotate(ahead.begin(),
                ahead.begin() + static_cast<std::ptrdiff_t>(fetch_attempts % ahead.size()),
                ahead.end());
  }
  ++fetch_attempts;
  FetchRequest req;
  req.from_height = tip.height + 1;
  req.to_height = target;
  fetch_to = target;
  for (const auto& [height, peer] : ahead) req.peers.push_back(peer);
  if (req.peers.empty()) {
    for (int i = 0; i < static_cast<int>(n); ++i) {
      if (i != self) req.peers.push_back(i);
    }
  }
  ready.fetch = std::move(req);
  fetch_retry_at = now + std::max<UnixMillis>(genesis.params.view_change_timeout_ms / 2, 1);
}

size_t Replica::State::ApplyFetched(const std::vector<CommittedBlock>& blocks) {
  size_t applied = 0;
  auto reject = [&](const CommittedBlock& b, const std::string& reason) {
    ++dropped["bad_fetched_block:" + reason];
    Event e;
    e.kind = Event::Kind::kStateTransfer;
    e.view = view;
    e.seq = b.header.height;
    e.detail = "rejected fetched block: " + reason;
    ready.events.push_back(std::move(e));
  };
  for (const CommittedBlock& b : blocks) {
    if (b.header.height <= tip.height) continue;
    if (b.header.height != tip.height + 1) {
      reject(b, "gap");
      break;
    }
    if (!b.verified) {
      if (std::string why = CheckCertificate(genesis, b); !why.empty()) {
        reject(b, why);
        break;
      }
      if (!VerifyDeposits(genesis, b.entries).ok()) {
        reject(b, "bad_deposit");
        break;
      }
    }
    // No per-deposit "already committed" lookups: the certificate shows that a quorum of replicas
    // (f+1 correct ones) accepted the block on this same chain, and they checked exactly that. As
    // for blocks committed by quorum in TryCommit, the check would only cost index reads.
    Result<CheckedBlock> checked = CheckBlock(
        genesis, tip, b.header, b.entries, [](const Hash32&) { return false; }, NoNonceTaken);
    if (!checked.ok()) {
      reject(b, checked.status().code());
      break;
    }
    statement_parses["committed_block"] += checked->parsed;
    if (!b.leaves.empty() && b.leaves != checked->leaves) {
      reject(b, "leaf_mismatch");
      break;
    }
    ApplyCommitted(*checked, b.certificate, /*fetched=*/true);
    ++applied;
  }
  if (applied > 0) {
    Event e;
    e.kind = Event::Kind::kStateTransfer;
    e.view = view;
    e.seq = tip.height;
    e.detail = "applied " + std::to_string(applied) + " fetched blocks";
    ready.events.push_back(std::move(e));
    fetch_retry_at = 0;
    MaybeFetch();
  }
  return applied;
}

}  // namespace evchain::consensus
