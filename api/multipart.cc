#include "api/multipart.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace evchain::api {
namespace {

constexpr size_t kMaxPartHeader = size_t{16} << 10;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Status Bad(const std::string& why) { return Status::Error("bad_multipart", why); }

// RFC 9110 §5.6.2 tchar.
bool IsTokenChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x80 &&
         (std::isalnum(u) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos);
}

// A reader of one header field value by the grammar of RFC 9110 §5.6: tokens, quoted-strings,
// optional whitespace.
class ValueReader {
 public:
  explicit ValueReader(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  // Consumes `c` if it is next.
  bool Take(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  // OWS: spaces and tabs.
  void SkipSpace() {
    while (!AtEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  // 1*tchar, "" when none is next.
  std::string_view Token() {
    const size_t start = pos_;
    while (!AtEnd() && IsTokenChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // A token or a quoted-string with its quoted-pairs unescaped (RFC 9110 §5.6.4).
  Result<std::string> Value() {
    if (!Take('"')) {
      std::string_view token = Token();
      if (token.empty()) return Bad("a header parameter has no value");
      return std::string(token);
    }
    std::string out;
    while (!AtEnd()) {
      char c = text_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (AtEnd()) break;
        c = text_[pos_++];
      }
      if (!IsTextChar(c)) return Bad("a control character in a header parameter");
      out.push_back(c);
    }
    return Bad("an unterminated quoted-string in a header parameter");
  }

 private:
  // qdtext and what a quoted-pair may escape, the quote and the backslash included: HTAB, SP,
  // VCHAR, obs-text.
  static bool IsTextChar(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// A header value of the form `type *( OWS ";" OWS [ name "=" value ] )` (RFC 9110 §5.6.6; RFC
// 6266 §4.1 for Content-Disposition): its type in lower case, `type/subtype` when
// `media_type`, and its parameters by name in lower case. Errors "bad_multipart": a parameter
// without a value, text after a value, a parameter given twice (such a header is invalid; which
// one counts would be a guess).
struct TypeAndParameters {
  std::string type;
  std::map<std::string, std::string> parameters;
};
Result<TypeAndParameters> ParseTypeAndParameters(std::string_view value, bool media_type) {
  ValueReader r(value);
  r.SkipSpace();
  TypeAndParameters out;
  out.type = Lower(r.Token());
  if (media_type && r.Take('/')) out.type += "/" + Lower(r.Token());
  for (r.SkipSpace(); !r.AtEnd(); r.SkipSpace()) {
    if (!r.Take(';')) return Bad("unexpected text in a header's parameters");
    r.SkipSpace();
    if (r.AtEnd() || r.Take(';')) continue;  // an empty parameter (RFC 9110 §5.6.6)
    std::string param = Lower(r.Token());
    r.SkipSpace();
    if (param.empty() || !r.Take('=')) return Bad("a malformed header parameter");
    r.SkipSpace();
    Result<std::string> param_value = r.Value();
    if (!param_value.ok()) return param_value.status();
    if (!out.parameters.emplace(param, std::move(*param_value)).second) {
      return Bad("header parameter \"" + param + "\" given twice");
    }
  }
  return out;
}

// The name parameter of a Content-Disposition value (RFC 7578 §4.2), "" when it has none. Only
// the parameter called exactly "name" (in any case) counts: not "filename", "name*", nor text
// inside another parameter's value. Errors "bad_multipart": a type other than form-data, or
// malformed parameters (ParseTypeAndParameters).
Result<std::string> DispositionName(std::string_view value) {
  Result<TypeAndParameters> parsed = ParseTypeAndParameters(value, /*media_type=*/false);
  if (!parsed.ok()) return parsed.status();
  if (parsed->type != "form-data") return Bad("a part's Content-Disposition must be form-data");
  const auto name = parsed->parameters.find("name");
  return name == parsed->parameters.end() ? std::string() : name->second;
}

// The name of a part from its header lines (CRLF-separated, without the empty line): the name
// parameter of its one Content-Disposition header, "" when it has none. Errors "bad_multipart":
// a line that is no "field-name: value", a folded line (obs-fold, RFC 9112 §5.2), two
// Content-Disposition headers, or a malformed one.
Result<std::string> PartName(std::string_view headers) {
  std::optional<std::string_view> disposition;
  while (!headers.empty()) {
    const size_t eol = headers.find("\r\n");
    const std::string_view line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        !std::all_of(line.begin(), line.begin() + colon, IsTokenChar)) {
      return Bad("a malformed part header line");
    }
    if (Lower(line.substr(0, colon)) != "content-disposition") continue;
    if (disposition.has_value()) return Bad("a part with two Content-Disposition headers");
    disposition = line.substr(colon + 1);
  }
  if (!disposition.has_value()) return std::string();
  return DispositionName(*disposition);
}

}  // namespace

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
  Result<TypeAndParameters> parsed = ParseTypeAndParameters(content_type, /*media_type=*/true);
  if (!parsed.ok() || parsed->type != "multipart/form-data") return std::nullopt;
  const auto boundary = parsed->parameters.find("boundary");
  // RFC 2046 §5.1.1: 1 to 70 characters.
  if (boundary == parsed->parameters.end() || boundary->second.empty() ||
      boundary->second.size() > 70) {
    return std::nullopt;
  }
  return boundary->second;
}

MultipartHasher::MultipartHasher(const std::string& boundary)
    : dash_boundary_("--" + boundary), delimiter_("\r\n--" + boundary) {}

Status MultipartHasher::Feed(std::string_view data) {
  pending_.append(data);
  Status status = Status::Ok();
  for (bool progressed = true; progressed && status.ok();) {
    progressed = false;
    status = Step(progressed);
  }
  bytes_moved_ += pending_.size() - consumed_;
  pending_.erase(0, consumed_);
  consumed_ = 0;
  return status;
}

namespace {

// Where `needle` starts in `rest`, searching from `searched` (what earlier calls searched
// without finding it); npos when absent, and `searched` then moves to where a match could still
// start once more bytes come.
size_t FindFrom(std::string_view rest, std::string_view needle, size_t& searched) {
  const size_t at = rest.find(needle, searched);
  if (at == std::string_view::npos && rest.size() >= needle.size()) {
    searched = rest.size() - needle.size() + 1;
  }
  return at;
}

}  // namespace

Status MultipartHasher::Step(bool& progressed) {
  const std::string_view rest = Rest();
  switch (state_) {
    case State::kPreamble: {
      // The body starts with the boundary, or a preamble then CRLF and the boundary.
      if (rest.starts_with(dash_boundary_)) {
        Consume(dash_boundary_.size());
      } else {
        // At most kMaxPartHeader bytes of preamble, counted the same however the body arrives.
        const size_t at = FindFrom(rest, delimiter_, searched_);
        if (at == std::string_view::npos) {
          if (rest.size() >= kMaxPartHeader + delimiter_.size()) return Bad("no boundary");
          return Status::Ok();
        }
        if (at > kMaxPartHeader) return Bad("no boundary");
        Consume(at + delimiter_.size());
      }
      state_ = State::kAfterBoundary;
      progressed = true;
      return Status::Ok();
    }
    case State::kAfterBoundary: {
      if (rest.size() < 2) return Status::Ok();
      if (rest.starts_with("--")) {
        state_ = State::kEpilogue;
        Consume(rest.size());
        progressed = true;
        return Status::Ok();
      }
      // Transport padding (spaces, tabs) may precede the CRLF.
      const size_t crlf = rest.find("\r\n");
      if (crlf == std::string_view::npos) {
        if (rest.size() > 256) return Bad("bad boundary line");
        return Status::Ok();
      }
      if (rest.find_first_not_of(" \t") < crlf) return Bad("bad boundary line");
      Consume(crlf + 2);
      state_ = State::kHeaders;
      progressed = true;
      return Status::Ok();
    }
    case State::kHeaders: {
      // A part with no headers starts with the empty line at once. At most kMaxPartHeader bytes
      // of header lines, counted the same however the body arrives.
      constexpr std::string_view kEnd = "\r\n\r\n";
      const size_t end = rest.starts_with("\r\n") ? 0 : FindFrom(rest, kEnd, searched_);
      if (end == std::string_view::npos) {
        if (rest.size() >= kMaxPartHeader + kEnd.size()) return Bad("part header too large");
        return Status::Ok();
      }
      if (end > kMaxPartHeader) return Bad("part header too large");
      Result<std::string> name = PartName(rest.substr(0, end));
      if (!name.ok()) return name.status();
      in_file_ = *name == "file";
      if (in_file_ && ++files_ > 1) return Bad("upload exactly one part named \"file\"");
      Consume(end == 0 ? 2 : end + 4);
      state_ = State::kBody;
      progressed = true;
      return Status::Ok();
    }
    case State::kBody: {
      const size_t at = rest.find(delimiter_);
      // Everything before a possible delimiter start is part data.
      const size_t safe = at != std::string_view::npos       ? at
                          : rest.size() >= delimiter_.size() ? rest.size() - delimiter_.size() + 1
                                                             : 0;
      if (safe > 0) {
        if (in_file_) sha_.Update(AsBytes(rest.substr(0, safe)));
        Consume(safe);
        progressed = true;
      }
      if (at != std::string_view::npos) {
        Consume(delimiter_.size());
        state_ = State::kAfterBoundary;
        progressed = true;
      }
      return Status::Ok();
    }
    case State::kEpilogue:
      Consume(rest.size());
      return Status::Ok();
  }
  return Status::Ok();
}

Result<std::optional<Hash32>> MultipartHasher::Finish() {
  if (state_ != State::kEpilogue) return Bad("the body ended before the closing boundary");
  if (files_ == 0) return std::optional<Hash32>();
  return std::optional<Hash32>(sha_.Finish());
}

}  // namespace evchain::api
