// A streaming reader of multipart/form-data (RFC 7578) that hashes the part named "file" with
// SHA-256 as the bytes arrive, so an upload to POST /v1/verify is never held in memory.
// docs/api.md "POST /v1/verify".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/sha256.h"

namespace evchain::api {

// The boundary parameter of a multipart/form-data Content-Type; nullopt when the type is not
// multipart/form-data or names no usable boundary.
std::optional<std::string> MultipartBoundary(std::string_view content_type);

class MultipartHasher {
 public:
  explicit MultipartHasher(const std::string& boundary);

  // Feeds the next body bytes. Errors: "bad_multipart" (malformed, a part's header lines or the
  // preamble over 16 KiB, more than one part named "file"). The outcome does not depend on how
  // the body is cut into calls.
  Status Feed(std::string_view data);
  // After the last byte: the digest of the "file" part, nullopt when there was none.
  // Error "bad_multipart" when the closing boundary never came.
  Result<std::optional<Hash32>> Finish();

  // Bytes moved to the front of the buffer so far (what is left of each call's bytes once it
  // has been consumed): at most a part header or a boundary's length per call, whatever the
  // body holds. The bound that keeps many tiny parts linear (tests/api/multipart_test.cc).
  size_t bytes_moved() const { return bytes_moved_; }

 private:
  enum class State { kPreamble, kAfterBoundary, kHeaders, kBody, kEpilogue };
  Status Step(bool& progressed);

  // The bytes not yet consumed: pending_ from consumed_ on. Feed drops the consumed ones once
  // per call, not once per step: with a step per part, a read of many tiny parts would move the
  // rest of the read once per part (quadratic in the read's size, on the server's I/O thread).
  std::string_view Rest() const { return std::string_view(pending_).substr(consumed_); }
  void Consume(size_t n) {
    consumed_ += n;
    searched_ = 0;
  }

  const std::string dash_boundary_;  // "--" + boundary
  const std::string delimiter_;      // "\r\n--" + boundary
  State state_ = State::kPreamble;
  std::string pending_;
  size_t consumed_ = 0;
  // Bytes of Rest() already searched, in the preamble and in part headers, for what ends them:
  // a search goes on from there, so a header sent a byte at a time is not searched again per
  // byte (quadratic in the 16 KiB allowed).
  size_t searched_ = 0;
  bool in_file_ = false;
  int files_ = 0;
  crypto::Sha256Stream sha_;
  size_t bytes_moved_ = 0;
};

}  // namespace evchain::api
