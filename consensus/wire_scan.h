// Counts, on the wire and before anything is parsed, the objects libprotobuf would build for a
// message: one per element of a repeated message or string field. A peer's message of 16 MiB
// holding only empty elements (2 bytes each on the wire, an object of 50 to 100 bytes each once
// parsed) would otherwise cost some 800 MB to parse. Used for consensus envelopes' bodies
// (consensus/message.cc) and the block replies of state transfer (node/block_transfer.cc);
// docs/protocol.md "Messages".
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

namespace evchain::consensus {

// How the scan treats one length-delimited field (a message, string or bytes field) of one
// message. Messages are numbered by the caller; the scanned message is number 0. A field with no
// rule is skipped unread.
struct WireRule {
  int message = 0;     // the message holding the field
  uint32_t field = 0;  // its field number
  // The message each occurrence holds, which the scan then descends into; -1 to skip its bytes.
  int child = -1;
  // Whether each occurrence is one object when parsed (an element of a repeated field).
  bool element = false;
  // The most occurrences of this field in the whole scan (a reply's blocks, say).
  uint64_t max_occurrences = std::numeric_limits<uint64_t>::max();
};

enum class WireScan {
  kOk,
  kMalformed,           // not the wire format (a length past the end, a broken varint, ...)
  kTooManyElements,     // more than `max_elements` elements
  kTooManyOccurrences,  // a field occurs more often than its rule's max_occurrences
};

// Scans `bytes` as message 0 under `rules`. Stops at the first breach, so a hostile message
// costs at most one pass over its bytes.
WireScan ScanWire(std::string_view bytes, std::span<const WireRule> rules, uint64_t max_elements);

}  // namespace evchain::consensus
