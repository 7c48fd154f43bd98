#include "api/multipart.h"

#include <algorithm>
#include <cctype>

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

// The name="..." parameter of a part's Content-Disposition header ("" when absent).
std::string PartName(std::string_view headers) {
  const std::string lower = Lower(headers);
  size_t line = lower.find("content-disposition:");
  if (line == std::string::npos) return "";
  size_t end = lower.find("\r\n", line);
  std::string_view value = std::string_view(headers).substr(
      line, end == std::string::npos ? std::string::npos : end - line);
  const std::string lv = Lower(value);
  size_t pos = 0;
  while ((pos = lv.find("name=", pos)) != std::string::npos) {
    // Not the tail of "filename=".
    if (pos > 0 && (std::isalnum(static_cast<unsigned char>(lv[pos - 1])) || lv[pos - 1] == '*')) {
      pos += 5;
      continue;
    }
    std::string_view rest = value.substr(pos + 5);
    if (!rest.empty() && rest.front() == '"') {
      size_t close = rest.find('"', 1);
      return std::string(
          rest.substr(1, close == std::string_view::npos ? rest.size() - 1 : close - 1));
    }
    size_t stop = rest.find_first_of("; \t");
    return std::string(rest.substr(0, stop));
  }
  return "";
}

}  // namespace

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
  const std::string lower = Lower(content_type);
  if (!lower.starts_with("multipart/form-data")) return std::nullopt;
  size_t pos = lower.find("boundary=");
  if (pos == std::string::npos) return std::nullopt;
  std::string_view b = content_type.substr(pos + 9);
  if (!b.empty() && b.front() == '"') {
    size_t close = b.find('"', 1);
    if (close == std::string_view::npos) return std::nullopt;
    b = b.substr(1, close - 1);
  } else {
    b = b.substr(0, b.find_first_of("; \t"));
  }
  // RFC 2046 §5.1.1: 1 to 70 characters.
  if (b.empty() || b.size() > 70) return std::nullopt;
  return std::string(b);
}

MultipartHasher::MultipartHasher(const std::string& boundary)
    : dash_boundary_("--" + boundary), delimiter_("\r\n--" + boundary) {}

Status MultipartHasher::Feed(std::string_view data) {
  pending_.append(data);
  bool progressed = true;
  while (progressed) {
    progressed = false;
    EVCHAIN_RETURN_IF_ERROR(Step(progressed));
  }
  return Status::Ok();
}

Status MultipartHasher::Step(bool& progressed) {
  switch (state_) {
    case State::kPreamble: {
      // The body starts with the boundary, or a preamble then CRLF and the boundary.
      size_t at = pending_.starts_with(dash_boundary_) ? 0 : pending_.find(delimiter_);
      if (at == std::string::npos) {
        if (pending_.size() > kMaxPartHeader) return Bad("no boundary");
        return Status::Ok();
      }
      pending_.erase(0,
                     at + (at == 0 && pending_.starts_with(dash_boundary_) ? dash_boundary_.size()
                                                                           : delimiter_.size()));
      state_ = State::kAfterBoundary;
      progressed = true;
      return Status::Ok();
    }
    case State::kAfterBoundary: {
      if (pending_.size() < 2) return Status::Ok();
      if (pending_.starts_with("--")) {
        state_ = State::kEpilogue;
        pending_.clear();
        progressed = true;
        return Status::Ok();
      }
      // Transport padding (spaces, tabs) may precede the CRLF.
      size_t crlf = pending_.find("\r\n");
      if (crlf == std::string::npos) {
        if (pending_.size() > 256) return Bad("bad boundary line");
        return Status::Ok();
      }
      if (pending_.find_first_not_of(" \t") < crlf) return Bad("bad boundary line");
      pending_.erase(0, crlf + 2);
      state_ = State::kHeaders;
      progressed = true;
      return Status::Ok();
    }
    case State::kHeaders: {
      // A part with no headers starts with the empty line at once.
      size_t end = pending_.starts_with("\r\n") ? 0 : pending_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (pending_.size() > kMaxPartHeader) return Bad("part header too large");
        return Status::Ok();
      }
      const std::string name = end == 0 ? "" : PartName(std::string_view(pending_).substr(0, end));
      in_file_ = name == "file";
      if (in_file_ && ++files_ > 1) return Bad("upload exactly one part named \"file\"");
      pending_.erase(0, end == 0 ? 2 : end + 4);
      state_ = State::kBody;
      progressed = true;
      return Status::Ok();
    }
    case State::kBody: {
      size_t at = pending_.find(delimiter_);
      // Everything before a possible delimiter start is part data.
      size_t safe = at != std::string::npos ? at
                                            : (pending_.size() >= delimiter_.size()
                                                   ? pending_.size() - delimiter_.size() + 1
                                                   : 0);
      if (safe > 0) {
        if (in_file_) sha_.Update(AsBytes(std::string_view(pending_).substr(0, safe)));
        pending_.erase(0, safe);
        progressed = true;
      }
      if (at != std::string::npos) {
        pending_.erase(0, delimiter_.size());
        state_ = State::kAfterBoundary;
        progressed = true;
      }
      return Status::Ok();
    }
    case State::kEpilogue:
      pending_.clear();
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
