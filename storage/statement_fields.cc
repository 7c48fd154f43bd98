#include "storage/statement_fields.h"

namespace evchain::storage {
namespace {

constexpr size_t kMaxStatementBytes = 4096;
constexpr size_t kMaxNonceBytes = 64;

Status Bad(std::string_view what) {
  return Status::Error("bad_statement", "not a canonical deposit statement: " + std::string(what));
}

// Consumes the line "<prefix><value>\n" from the front of `in`; false unless it is there with a
// non-empty value.
bool TakeLine(std::string_view& in, std::string_view prefix, std::string_view* value) {
  if (!in.starts_with(prefix)) return false;
  const size_t end = in.find('\n', prefix.size());
  if (end == std::string_view::npos || end == prefix.size()) return false;
  *value = in.substr(prefix.size(), end - prefix.size());
  in.remove_prefix(end + 1);
  return true;
}

int LowerHexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool IsNonceChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

}  // namespace

Result<StatementFields> ScanDepositStatement(std::string_view text) {
  if (text.size() > kMaxStatementBytes) return Bad("over 4096 bytes");
  if (!text.ends_with('\n')) return Bad("no final newline");
  std::string_view in = text;
  std::string_view value;
  StatementFields f;
  std::string_view digest_hex;
  constexpr std::string_view kFirstLine = "evchain-deposit/1\n";
  if (!in.starts_with(kFirstLine)) return Bad("first line");
  in.remove_prefix(kFirstLine.size());
  if (!TakeLine(in, "chain_id: ", &value)) return Bad("chain_id line");
  if (!TakeLine(in, "depositor: ", &f.depositor)) return Bad("depositor line");
  if (!TakeLine(in, "digest: ", &digest_hex) || digest_hex.size() != 64) {
    return Bad("digest line");
  }
  for (size_t i = 0; i < 32; ++i) {
    const int hi = LowerHexValue(digest_hex[2 * i]);
    const int lo = LowerHexValue(digest_hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Bad("digest line");
    f.digest[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  // The nonce line is the last one: it starts after the second-to-last newline.
  if (in.empty()) return Bad("nonce line");
  const size_t last_start = in.rfind('\n', in.size() - 2);
  std::string_view last = in.substr(last_start == std::string_view::npos ? 0 : last_start + 1);
  if (!TakeLine(last, "nonce: ", &f.nonce) || f.nonce.size() > kMaxNonceBytes) {
    return Bad("nonce line");
  }
  for (char c : f.nonce) {
    if (!IsNonceChar(c)) return Bad("nonce line");
  }
  return f;
}

}  // namespace evchain::storage
