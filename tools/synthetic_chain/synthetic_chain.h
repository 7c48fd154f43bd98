// Builds a committed chain offline, without a network or a consensus run: a genesis with four
// validators and one depositor from fixed seeds, blocks of signed deposits, each checkpoint
// cosigned by validator keys, appended to an EvidenceLog. Used by tests (CLI, node) and by
// evchain-bench-audit; never by the node or the CLI.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "genesis/genesis.h"
#include "ledger/block.h"
#include "storage/evidence_log.h"

namespace evchain::synthetic {

struct TestNetwork {
  genesis::Genesis genesis;                       // parsed back, so genesis.hash is set
  std::vector<crypto::SecretKey> validator_keys;  // genesis order
  crypto::SecretKey depositor_key;
  std::string depositor_id;
};

// Deterministic: validator i's seed is 32 bytes of (i + 1), the depositor's 32 bytes of 0x42.
// Validators court-1, court-2, notary-1, time-1; depositor "demo-platform".
TestNetwork MakeTestNetwork(const std::string& chain_id, UnixMillis genesis_time);

struct Cosigner {
  std::string id;
  const crypto::SecretKey* key = nullptr;
};

// The block of `entries` at `height` and `time` on top of `prev_hash`, its leaves made as
// consensus makes them (ledger::LeafOfEntry) and folded into `frontier`, its certificate cosigned
// by `cosigners` (genesis validators' ids and keys, in genesis order). Errors: LeafOfEntry's.
Result<storage::BlockToAppend> MakeCosignedBlock(
    const genesis::Genesis& genesis, const std::vector<Cosigner>& cosigners,
    std::vector<ledger::Entry> entries, uint64_t height, UnixMillis time, const Hash32& prev_hash,
    const std::string& proposer, uint64_t view, crypto::MerkleFrontier* frontier);

// MakeCosignedBlock at the log's next height, appended to `log`. Returns the header. Errors:
// MakeCosignedBlock's and the log's.
Result<ledger::BlockHeader> AppendCosignedBlock(storage::EvidenceLog* log,
                                                const genesis::Genesis& genesis,
                                                const std::vector<Cosigner>& cosigners,
                                                std::vector<ledger::Entry> entries, UnixMillis time,
                                                const Hash32& prev_hash,
                                                const std::string& proposer, uint64_t view,
                                                crypto::MerkleFrontier* frontier);

class ChainBuilder {
 public:
  // `log` must outlive the builder and be empty. `signers` validators (the first ones) cosign.
  ChainBuilder(const TestNetwork& net, storage::EvidenceLog* log, size_t signers);

  // A single-signed deposit of `digest`.
  ledger::Entry Deposit(const Hash32& digest, const std::string& nonce) const;
  // A batch of deposits under one signature (items get nonces nonce-0, nonce-1, ...).
  std::vector<ledger::Entry> Batch(const std::vector<Hash32>& digests,
                                   const std::string& nonce) const;

  // Commits one block holding `entries` at `time`; returns its header.
  Result<ledger::BlockHeader> AppendBlock(std::vector<ledger::Entry> entries, UnixMillis time);

 private:
  const TestNetwork& net_;
  storage::EvidenceLog* log_;
  size_t signers_;
  crypto::MerkleFrontier frontier_;
  Hash32 prev_hash_;
};

}  // namespace evchain::synthetic
