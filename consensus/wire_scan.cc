#include "consensus/wire_scan.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <vector>

namespace evchain::consensus {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// Deeper than any message of proto/ (a NEW-VIEW's certificates are 4 levels down): a set of
// rules that nests a message in itself cannot recurse without end.
constexpr int kMaxDepth = 16;

class Scanner {
 public:
  Scanner(std::string_view bytes, std::span<const WireRule> rules, uint64_t max_elements)
      : in_(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size())),
        size_(bytes.size()),
        rules_(rules),
        occurrences_(rules.size(), 0),
        max_elements_(max_elements) {}

  WireScan Run() {
    const WireScan result = Scan(0, 0);
    if (result != WireScan::kOk) return result;
    return in_.ConsumedEntireMessage() ? WireScan::kOk : WireScan::kMalformed;
  }

 private:
  // Scans message `message` up to the stream's current limit.
  WireScan Scan(int message, int depth) {
    if (depth > kMaxDepth) return WireScan::kMalformed;
    for (uint32_t tag; (tag = in_.ReadTag()) != 0;) {
      const uint32_t field = WireFormatLite::GetTagFieldNumber(tag);
      if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
        if (!WireFormatLite::SkipField(&in_, tag)) return WireScan::kMalformed;
        continue;
      }
      uint32_t length = 0;
      if (!in_.ReadVarint32(&length) || length > BytesLeft()) return WireScan::kMalformed;
      const size_t rule = Find(message, field);
      if (rule == rules_.size()) {
        if (!in_.Skip(static_cast<int>(length))) return WireScan::kMalformed;
        continue;
      }
      const WireRule& r = rules_[rule];
      if (++occurrences_[rule] > r.max_occurrences) return WireScan::kTooManyOccurrences;
      if (r.element && ++elements_ > max_elements_) return WireScan::kTooManyElements;
      if (r.child < 0) {
        if (!in_.Skip(static_cast<int>(length))) return WireScan::kMalformed;
        continue;
      }
      const CodedInputStream::Limit limit = in_.PushLimit(static_cast<int>(length));
      if (const WireScan inner = Scan(r.child, depth + 1); inner != WireScan::kOk) return inner;
      if (!in_.ConsumedEntireMessage()) return WireScan::kMalformed;
      in_.PopLimit(limit);
    }
    return WireScan::kOk;
  }

  // What is left of the message being scanned: a field longer than that runs past the end of
  // its message (libprotobuf refuses it), though it may fit in the bytes of an outer one.
  size_t BytesLeft() const {
    const int until_limit = in_.BytesUntilLimit();
    const size_t until_end = size_ - static_cast<size_t>(in_.CurrentPosition());
    return until_limit < 0 ? until_end : std::min(until_end, static_cast<size_t>(until_limit));
  }

  size_t Find(int message, uint32_t field) const {
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (rules_[i].message == message && rules_[i].field == field) return i;
    }
    return rules_.size();
  }

  CodedInputStream in_;
  const size_t size_;
  const std::span<const WireRule> rules_;
  std::vector<uint64_t> occurrences_;
  const uint64_t max_elements_;
  uint64_t elements_ = 0;
};

}  // namespace

WireScan ScanWire(std::string_view bytes, std::span<const WireRule> rules, uint64_t max_elements) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) return WireScan::kMalformed;
  return Scanner(bytes, rules, max_elements).Run();
}

}  // namespace evchain::consensus
