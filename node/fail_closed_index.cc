// docs/node.md "Storage read errors".
#include "node/fail_closed_index.h"

namespace evchain::node {

bool FailClosedIndex::Contains(const Hash32& evidence_id) const {
  Result<std::optional<uint64_t>> found = find_id_(evidence_id);
  if (!found.ok()) {
    on_error_(found.status());
    return true;
  }
  return found->has_value();
}

std::optional<Hash32> FailClosedIndex::NonceOwner(const std::string& depositor,
                                                  const std::string& nonce) const {
  Result<std::optional<Hash32>> found = find_nonce_(depositor, nonce);
  if (!found.ok()) {
    on_error_(found.status());
    return UnreadableOwner();
  }
  return *found;
}

Hash32 FailClosedIndex::UnreadableOwner() {
  Hash32 owner;
  owner.fill(0xff);
  return owner;
}

}  // namespace evchain::node
