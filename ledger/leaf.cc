// Leaf layout: docs/formats.md "Leaf".
#include "ledger/leaf.h"

#include <algorithm>

namespace evchain::ledger {

Bytes Leaf::Encode() const {
  Bytes out;
  out.reserve(kLeafSize);
  out.push_back(kLeafVersion);
  Append(out, ByteView(statement_hash));
  Append(out, ByteView(digest));
  Append(out, ByteView(depositor_key));
  PutU64BE(out, block_height);
  PutU64BE(out, static_cast<uint64_t>(block_time));
  return out;
}

Result<Leaf> Leaf::Decode(ByteView bytes) {
  if (bytes.size() != kLeafSize) {
    return Status::Error("bad_leaf", "leaf must be " + std::to_string(kLeafSize) + " bytes, not " +
                                         std::to_string(bytes.size()));
  }
  if (bytes[0] != kLeafVersion) {
    return Status::Error("bad_leaf", "unknown leaf version " + std::to_string(bytes[0]));
  }
  Leaf leaf;
  const uint8_t* p = bytes.data() + 1;
  std::copy_n(p, 32, leaf.statement_hash.begin());
  std::copy_n(p + 32, 32, leaf.digest.begin());
  std::copy_n(p + 64, 32, leaf.depositor_key.begin());
  leaf.block_height = GetU64BE(p + 96);
  leaf.block_time = static_cast<UnixMillis>(GetU64BE(p + 104));
  return leaf;
}

}  // namespace evchain::ledger
