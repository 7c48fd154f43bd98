// Canonical statements. The text format and every limit below are specified in docs/formats.md
// "Deposit statement" and "Batch statement"; keep the two in step.
#include "ledger/statement.h"

#include <algorithm>
#include <array>
#include <set>

#include "common/encoding.h"
#include "common/time.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "genesis/genesis.h"

namespace evchain::ledger {
namespace {

constexpr std::string_view kDepositMagic = "evchain-deposit/1";
constexpr std::string_view kBatchMagic = "evchain-batch/1";
constexpr size_t kMaxSourceBytes = 2048;
constexpr size_t kMaxCaseRefBytes = 128;
constexpr size_t kMaxCapturedAtBytes = 64;
constexpr size_t kMaxNonceBytes = 64;
// Larger than any valid canonical statement (about 3.8 KiB at most): cheap early rejection.
constexpr size_t kMaxStatementBytes = 4096;
constexpr std::array<std::string_view, 8> kKinds = {"webpage",  "screenshot", "source", "log",
                                                    "document", "audio",      "video",  "other"};

// Returns true iff `s` is well-formed UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF) and contains no control character (< 0x20 or 0x7f).
bool IsCleanText(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

bool IsNonceChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

Status CheckId(std::string_view field, std::string_view value) {
  if (!genesis::IsValidId(value)) {
    return Status::Error("bad_id",
                         std::string(field) + ": must be 1..64 characters of [a-z0-9._-]");
  }
  return Status::Ok();
}

Status CheckNonce(std::string_view nonce) {
  if (nonce.empty() || nonce.size() > kMaxNonceBytes ||
      !std::all_of(nonce.begin(), nonce.end(), IsNonceChar)) {
    return Status::Error("bad_nonce", "nonce: must be 1..64 characters of [A-Za-z0-9._:-]");
  }
  return Status::Ok();
}

// Free text (source, case_ref): bounded, clean, and without leading or trailing spaces so that
// the canonical line has none.
Status CheckText(std::string_view field, std::string_view value, size_t max_bytes) {
  if (value.size() > max_bytes) {
    return Status::Error("field_too_long", std::string(field) + ": longer than " +
                                               std::to_string(max_bytes) + " bytes");
  }
  if (!IsCleanText(value) || value.front() == ' ' || value.back() == ' ') {
    return Status::Error("bad_chars", std::string(field) +
                                          ": invalid UTF-8, control character, or leading or "
                                          "trailing space");
  }
  return Status::Ok();
}

bool IsLowerHex64(std::string_view s) { return Hash32FromHex(s).has_value(); }

// A statement split into its "key: value" lines after the magic first line.
struct Line {
  std::string_view key;
  std::string_view value;
};

// Splits `text` into lines; checks the magic line, the final newline and the "key: value" shape.
Result<std::vector<Line>> SplitLines(std::string_view text, std::string_view magic) {
  if (text.size() > kMaxStatementBytes) {
    return Status::Error("bad_statement", "statement longer than 4096 bytes");
  }
  if (text.empty() || text.back() != '\n') {
    return Status::Error("bad_statement", "statement must end with a newline");
  }
  std::vector<Line> lines;
  size_t pos = 0;
  size_t number = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (number == 1) {
      if (line != magic) {
        return Status::Error("bad_statement", "first line must be \"" + std::string(magic) + "\"");
      }
      continue;
    }
    const size_t colon = line.find(": ");
    if (colon == std::string_view::npos || colon == 0) {
      return Status::Error("bad_statement",
                           "line " + std::to_string(number) + ": expected \"key: value\"");
    }
    lines.push_back({line.substr(0, colon), line.substr(colon + 2)});
  }
  return lines;
}

// Assigns each line to its field, in the fixed order `order`; `repeatable` may occur many times.
// Rejects unknown, repeated or out-of-order keys.
template <size_t N>
Result<std::array<std::vector<std::string_view>, N>> FieldsInOrder(
    const std::vector<Line>& lines, const std::array<std::string_view, N>& order,
    std::string_view repeatable) {
  std::array<std::vector<std::string_view>, N> fields;
  size_t cursor = 0;
  for (const Line& line : lines) {
    const auto it = std::find(order.begin(), order.end(), line.key);
    if (it == order.end()) {
      return Status::Error("bad_statement", "unknown field \"" + std::string(line.key) + "\"");
    }
    const auto index = static_cast<size_t>(it - order.begin());
    if (index < cursor || (index == cursor && !fields[index].empty() && line.key != repeatable)) {
      return Status::Error("bad_statement",
                           "field \"" + std::string(line.key) + "\" repeated or out of order");
    }
    cursor = index;
    fields[index].push_back(line.value);
  }
  return fields;
}

std::string_view Single(const std::vector<std::string_view>& values) {
  return values.empty() ? std::string_view() : values.front();
}

void AppendLine(std::string& out, std::string_view key, std::string_view value) {
  out.append(key).append(": ").append(value).append("\n");
}

}  // namespace

std::string DepositStatement::Canonical() const {
  std::string out(kDepositMagic);
  out += '\n';
  AppendLine(out, "chain_id", chain_id);
  AppendLine(out, "depositor", depositor);
  AppendLine(out, "digest", ToHex(digest));
  if (!kind.empty()) AppendLine(out, "kind", kind);
  if (!source.empty()) AppendLine(out, "source", source);
  if (!captured_at.empty()) AppendLine(out, "captured_at", captured_at);
  if (!case_ref.empty()) AppendLine(out, "case_ref", case_ref);
  for (const std::string& id : related) AppendLine(out, "related", id);
  AppendLine(out, "nonce", nonce);
  return out;
}

Status DepositStatement::Validate() const {
  EVCHAIN_RETURN_IF_ERROR(CheckId("chain_id", chain_id));
  EVCHAIN_RETURN_IF_ERROR(CheckId("depositor", depositor));
  if (!kind.empty() && std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end()) {
    return Status::Error("bad_kind",
                         "kind: must be one of webpage, screenshot, source, log, "
                         "document, audio, video, other");
  }
  if (!source.empty()) EVCHAIN_RETURN_IF_ERROR(CheckText("source", source, kMaxSourceBytes));
  if (!captured_at.empty() &&
      (captured_at.size() > kMaxCapturedAtBytes || !ParseRfc3339(captured_at))) {
    return Status::Error("bad_time", "captured_at: not an RFC 3339 date-time");
  }
  if (!case_ref.empty()) EVCHAIN_RETURN_IF_ERROR(CheckText("case_ref", case_ref, kMaxCaseRefBytes));
  if (related.size() > kMaxRelated) {
    return Status::Error("too_many_related", "related: at most 16 evidence ids");
  }
  std::set<std::string_view> seen;
  for (const std::string& id : related) {
    if (!IsLowerHex64(id)) {
      return Status::Error("bad_related", "related: not 64 lowercase hex characters");
    }
    if (!seen.insert(id).second) {
      return Status::Error("bad_related", "related: duplicate evidence id " + id);
    }
  }
  return CheckNonce(nonce);
}

Result<DepositStatement> ParseDepositStatement(std::string_view text) {
  static constexpr std::array<std::string_view, 9> kOrder = {"chain_id", "depositor", "digest",
                                                             "kind",     "source",    "captured_at",
                                                             "case_ref", "related",   "nonce"};
  auto lines = SplitLines(text, kDepositMagic);
  if (!lines.ok()) return lines.status();
  auto fields = FieldsInOrder(*lines, kOrder, "related");
  if (!fields.ok()) return fields.status();
  const auto& f = *fields;
  for (size_t required : {0, 1, 2, 8}) {
    if (f[required].empty()) {
      return Status::Error("bad_statement",
                           "missing field \"" + std::string(kOrder[required]) + "\"");
    }
  }
  DepositStatement s;
  s.chain_id = Single(f[0]);
  s.depositor = Single(f[1]);
  const auto digest = Hash32FromHex(Single(f[2]));
  if (!digest) return Status::Error("bad_digest", "digest: not 64 lowercase hex characters");
  s.digest = *digest;
  s.kind = Single(f[3]);
  s.source = Single(f[4]);
  s.captured_at = Single(f[5]);
  s.case_ref = Single(f[6]);
  s.related.assign(f[7].begin(), f[7].end());
  s.nonce = Single(f[8]);
  EVCHAIN_RETURN_IF_ERROR(s.Validate());
  // What remains non-canonical: an optional field present with an empty value.
  if (s.Canonical() != text) {
    return Status::Error("bad_statement", "statement is not in canonical form");
  }
  return s;
}

std::string EvidenceId(std::string_view canonical_statement) {
  return ToHex(crypto::Sha256(canonical_statement));
}

std::string BatchStatement::Canonical() const {
  std::string out(kBatchMagic);
  out += '\n';
  AppendLine(out, "chain_id", chain_id);
  AppendLine(out, "depositor", depositor);
  AppendLine(out, "items", std::to_string(items));
  AppendLine(out, "root", ToHex(root));
  AppendLine(out, "nonce", nonce);
  return out;
}

Status BatchStatement::Validate() const {
  EVCHAIN_RETURN_IF_ERROR(CheckId("chain_id", chain_id));
  EVCHAIN_RETURN_IF_ERROR(CheckId("depositor", depositor));
  if (items < 1 || items > kMaxBatchItems) {
    return Status::Error("bad_items", "items: must be 1..10000");
  }
  return CheckNonce(nonce);
}

Result<BatchStatement> ParseBatchStatement(std::string_view text) {
  static constexpr std::array<std::string_view, 5> kOrder = {"chain_id", "depositor", "items",
                                                             "root", "nonce"};
  auto lines = SplitLines(text, kBatchMagic);
  if (!lines.ok()) return lines.status();
  auto fields = FieldsInOrder(*lines, kOrder, "");
  if (!fields.ok()) return fields.status();
  const auto& f = *fields;
  for (size_t i = 0; i < kOrder.size(); ++i) {
    if (f[i].empty()) {
      return Status::Error("bad_statement", "missing field \"" + std::string(kOrder[i]) + "\"");
    }
  }
  BatchStatement b;
  b.chain_id = Single(f[0]);
  b.depositor = Single(f[1]);
  const auto items = ParseCanonicalDecimal(Single(f[2]));
  if (!items) return Status::Error("bad_items", "items: not a decimal number");
  b.items = *items;
  const auto root = Hash32FromHex(Single(f[3]));
  if (!root) return Status::Error("bad_digest", "root: not 64 lowercase hex characters");
  b.root = *root;
  b.nonce = Single(f[4]);
  EVCHAIN_RETURN_IF_ERROR(b.Validate());
  if (b.Canonical() != text) {
    return Status::Error("bad_statement", "statement is not in canonical form");
  }
  return b;
}

namespace {

std::vector<Hash32> ItemLeafHashes(const std::vector<std::string>& item_statements) {
  std::vector<Hash32> leaf_hashes;
  leaf_hashes.reserve(item_statements.size());
  for (const std::string& item : item_statements) {
    leaf_hashes.push_back(crypto::LeafHash(AsBytes(item)));
  }
  return leaf_hashes;
}

}  // namespace

crypto::TreeWithProofs BatchTree(const std::vector<std::string>& item_statements) {
  return crypto::AllInclusionProofs(ItemLeafHashes(item_statements));
}

Hash32 BatchRoot(const std::vector<std::string>& item_statements) {
  return crypto::RootFromLeafHashes(ItemLeafHashes(item_statements));
}

Status ValidateBatchItems(const BatchStatement& batch,
                          const std::vector<std::string>& item_statements) {
  if (item_statements.size() != batch.items) {
    return Status::Error("batch_mismatch",
                         "the batch names " + std::to_string(batch.items) + " items but " +
                             std::to_string(item_statements.size()) + " were sent");
  }
  for (size_t i = 0; i < item_statements.size(); ++i) {
    const std::string where = "items[" + std::to_string(i) + "]: ";
    auto item = ParseDepositStatement(item_statements[i]);
    if (!item.ok()) return Status::Error(item.status().code(), where + item.status().message());
    if (item->chain_id != batch.chain_id || item->depositor != batch.depositor) {
      return Status::Error("batch_mismatch",
                           where + "chain_id or depositor differs from the batch");
    }
  }
  if (BatchRoot(item_statements) != batch.root) {
    return Status::Error("batch_mismatch", "the items' root is not the batch's root");
  }
  return Status::Ok();
}

}  // namespace evchain::ledger
