// The replica's view of the committed log (consensus::CommittedIndex) over the evidence log's
// indexes, failing closed: a lookup that cannot be read counts as "committed", and a nonce as
// held by another statement. The replica then refuses a block it cannot check (it does not
// vote), and proposes or pools nothing it cannot check; with a failing disk the validator acts
// as one of the f faulty ones, which is what it is, until its reads work again. Until
// 2026-12-07 a read error counted as "not committed" and "nonce free": the replica could vote
// for a block repeating a committed deposit or nonce (docs/node.md "Storage read errors").
//
// Admission asks the same indexes with the opposite need (a deposit thought committed would be
// acknowledged unjournalled), so it does not use this class: node/admission.h.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "consensus/committed_index.h"

namespace evchain::node {

class FailClosedIndex final : public consensus::CommittedIndex {
 public:
  using FindId = std::function<Result<std::optional<uint64_t>>(const Hash32& evidence_id)>;
  using FindNonce = std::function<Result<std::optional<Hash32>>(const std::string& depositor,
                                                                const std::string& nonce)>;
  // Told of every failed read (a metric, a log line: the caller bounds its log).
  using OnError = std::function<void(const Status& status)>;

  FailClosedIndex(FindId find_id, FindNonce find_nonce, OnError on_error)
      : find_id_(std::move(find_id)),
        find_nonce_(std::move(find_nonce)),
        on_error_(std::move(on_error)) {}

  bool Contains(const Hash32& evidence_id) const override;
  std::optional<Hash32> NonceOwner(const std::string& depositor,
                                   const std::string& nonce) const override;

  // The owner NonceOwner answers when the index cannot be read: no statement hashes to it
  // (all 0xff), so every statement counts as beaten to the nonce.
  static Hash32 UnreadableOwner();

 private:
  FindId find_id_;
  FindNonce find_nonce_;
  OnError on_error_;
};

}  // namespace evchain::node
