// The streaming multipart/form-data hasher behind POST /v1/verify uploads: the digest does not
// depend on how the body is cut into reads, and malformed bodies are refused.
#include "api/multipart.h"

#include <doctest/doctest.h>

#include "crypto/sha256.h"

namespace evchain::api {
namespace {

const std::string kBoundary = "----evchainXyZ";

std::string Body(const std::string& file, const std::string& preamble = "") {
  return preamble + "--" + kBoundary +
         "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--" + kBoundary +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"e.bin\"\r\n"
         "Content-Type: application/octet-stream\r\n\r\n" +
         file + "\r\n--" + kBoundary + "--\r\n";
}

Result<std::optional<Hash32>> HashInPieces(const std::string& body, size_t piece) {
  MultipartHasher h(kBoundary);
  for (size_t i = 0; i < body.size(); i += piece) {
    Status s = h.Feed(std::string_view(body).substr(i, piece));
    if (!s.ok()) return s;
  }
  return h.Finish();
}

TEST_CASE("the file part's digest is the same however the body is split") {
  // Content that contains near-boundaries: CRLF, dashes, a prefix of the boundary.
  const std::string file =
      "a\r\n--" + kBoundary.substr(0, 8) + "\r\n-\r\n--x" + std::string(300, 'z');
  const Hash32 want = crypto::Sha256(file);
  for (size_t piece : {1, 2, 3, 7, 16, 17, 64, 1000, 100000}) {
    CAPTURE(piece);
    auto got = HashInPieces(Body(file), piece);
    REQUIRE_MESSAGE(got.ok(), got.status().ToString());
    REQUIRE(got->has_value());
    CHECK(**got == want);
  }
  auto with_preamble = HashInPieces(Body(file, "ignored preamble\r\n"), 5);
  REQUIRE(with_preamble.ok());
  CHECK(**with_preamble == want);
  auto empty = HashInPieces(Body(""), 3);
  REQUIRE(empty.ok());
  CHECK(**empty == crypto::Sha256(""));
}

TEST_CASE("malformed uploads are refused: two file parts, no closing boundary, no file part") {
  const std::string two =
      "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nA\r\n--" +
      kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nB\r\n--" + kBoundary +
      "--\r\n";
  auto dup = HashInPieces(two, 4);
  REQUIRE(!dup.ok());
  CHECK(dup.status().code() == "bad_multipart");
  std::string cut = Body("data");
  cut.resize(cut.size() - 10);
  CHECK(HashInPieces(cut, 4).status().code() == "bad_multipart");
  const std::string no_file = "--" + kBoundary +
                              "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nx\r\n--" +
                              kBoundary + "--\r\n";
  auto none = HashInPieces(no_file, 4);
  REQUIRE(none.ok());
  CHECK(!none->has_value());
  // filename="file" is not name="file".
  const std::string named = "--" + kBoundary +
                            "\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"file\""
                            "\r\n\r\nx\r\n--" +
                            kBoundary + "--\r\n";
  CHECK(!HashInPieces(named, 4)->has_value());
  CHECK(HashInPieces(std::string(20000, 'x'), 1000).status().code() == "bad_multipart");
}

TEST_CASE("the boundary comes from the Content-Type") {
  CHECK(MultipartBoundary("multipart/form-data; boundary=abc") == "abc");
  CHECK(MultipartBoundary("Multipart/Form-Data; boundary=\"a b\"; x=1") == "a b");
  CHECK(!MultipartBoundary("application/json").has_value());
  CHECK(!MultipartBoundary("multipart/form-data").has_value());
  CHECK(!MultipartBoundary("multipart/form-data; boundary=" + std::string(71, 'a')).has_value());
}

}  // namespace
}  // namespace evchain::api
