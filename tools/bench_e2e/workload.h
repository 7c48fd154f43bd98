// Request bodies prepared before any load: distinct deposits signed ahead of time (so the
// client spends no signing time while it measures), and etcd puts of the same bytes.
// Statement formats: docs/formats.md "Deposit statement", "Batch statement"; the request
// bodies: docs/api.md "Deposits"; etcd's JSON gateway: `POST /v3/kv/put` with base64 key/value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/ed25519.h"

namespace evchain::bench {

struct Pool {
  std::vector<std::string> bodies;  // one request each
  // The evidence id of each request's last deposit (the one whose receipt makes the whole
  // request committed); for etcd, the key.
  std::vector<std::string> last_ids;
  uint32_t per_request = 1;  // deposits (or puts) per request
};

struct DepositParams {
  std::string chain_id;
  std::string depositor;
  const crypto::SecretKey* key = nullptr;
  int threads = 1;
};

// `count` single deposits (`POST /v1/deposits` bodies), each a distinct digest and nonce.
Pool MakeSingles(const DepositParams& p, uint64_t count);

// `batches` signed batches of `per_batch` items (`POST /v1/deposits/batch` bodies).
Pool MakeBatches(const DepositParams& p, uint64_t batches, uint32_t per_batch);

// One etcd put per body of `source` (`POST /v3/kv/put`): key `<prefix>/<id>`, value = the
// deposit's request body, so etcd stores the same bytes evchain is sent.
Pool MakeEtcdPuts(const Pool& source, const std::string& prefix);

}  // namespace evchain::bench
