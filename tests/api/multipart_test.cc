// The streaming multipart/form-data hasher behind POST /v1/verify uploads: the digest does not
// depend on how the body is cut into reads, and malformed bodies are refused.
#include "api/multipart.h"

#include <doctest/doctest.h>

#include <algorithm>

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

// A body of parts, each given as its header lines (without the final empty line) and content.
std::string PartsBody(const std::vector<std::pair<std::string, std::string>>& parts) {
  std::string body;
  for (const auto& [headers, content] : parts) {
    body.append("--").append(kBoundary).append("\r\n").append(headers).append("\r\n\r\n");
    body.append(content).append("\r\n");
  }
  return body + "--" + kBoundary + "--\r\n";
}

// What a body of one part with this Content-Disposition value gives: the digest of "F" when the
// part is the file, nullopt when it is another part, or the error.
Result<std::optional<Hash32>> OnePart(const std::string& disposition) {
  return HashInPieces(PartsBody({{"Content-Disposition: " + disposition, "F"}}), 7);
}

bool IsFile(const std::string& disposition) {
  auto got = OnePart(disposition);
  REQUIRE_MESSAGE(got.ok(), disposition, ": ", got.status().ToString());
  if (got->has_value()) CHECK(**got == crypto::Sha256("F"));
  return got->has_value();
}

std::string ErrorCode(const std::string& disposition) {
  return OnePart(disposition).status().code();
}

TEST_CASE("a part is the file by its name parameter, never by text inside another value") {
  // A filename holding " name=file;" names no part.
  CHECK(!IsFile(R"(form-data; filename="x name=file;"; name="note")"));
  CHECK(!IsFile(R"(form-data; filename="a\"; name=file"; name="note")"));
  CHECK(!IsFile(R"(form-data; name="note"; filename*=UTF-8''name%3Dfile)"));
  CHECK(!IsFile(R"(form-data; name*=UTF-8''file)"));
  CHECK(!IsFile(R"(form-data; filename="file")"));
  CHECK(!IsFile(R"(form-data; name="file "; filename="file")"));
  // ... so the one file part of an upload is found beside it.
  auto got = HashInPieces(
      PartsBody(
          {{R"(Content-Disposition: form-data; name="file"; filename="e.bin")", "F"},
           {R"(Content-Disposition: form-data; filename="a name=file; b"; name="note")", "N"}}),
      5);
  REQUIRE_MESSAGE(got.ok(), got.status().ToString());
  REQUIRE(got->has_value());
  CHECK(**got == crypto::Sha256("F"));
  // Another header's value that reads like a Content-Disposition is not one.
  got = HashInPieces(PartsBody({{"X-Note: content-disposition: form-data; name=file\r\n"
                                 "Content-Disposition: form-data; name=\"note\"",
                                 "N"}}),
                     5);
  REQUIRE_MESSAGE(got.ok(), got.status().ToString());
  CHECK(!got->has_value());
}

TEST_CASE(
    "the name parameter: any case, token or quoted-string, whitespace around = and semicolons") {
  CHECK(IsFile(R"(form-data; name="file")"));
  CHECK(IsFile("form-data; name=file"));
  CHECK(IsFile("form-data; NAME=file"));
  CHECK(IsFile(R"(Form-Data; Name="file"; FileName="e.bin")"));
  CHECK(IsFile(R"(form-data;name="file";filename="e.bin")"));
  CHECK(IsFile("form-data ; name = \"file\" ;\tfilename = e.bin "));
  CHECK(IsFile(R"(form-data; filename="x; name=note"; name="file")"));
  CHECK(IsFile(R"(form-data; filename*=UTF-8''x%20y; name=file)"));
  // A quoted-pair stands for its character.
  CHECK(IsFile(R"(form-data; name="f\ile")"));
  CHECK(!IsFile(R"(form-data; name="fi\"le")"));
  // The header's name in any case, no space after the colon.
  auto got = HashInPieces(PartsBody({{"content-DISPOSITION:form-data; name=file", "F"}}), 5);
  REQUIRE_MESSAGE(got.ok(), got.status().ToString());
  CHECK(got->has_value());
}

TEST_CASE("a malformed Content-Disposition is bad_multipart") {
  for (const char* bad : {
           R"(form-data; name="file)",                // unterminated quoted-string
           "form-data; name=",                        // no value
           "form-data; name",                         // no "="
           "form-data; =file",                        // no parameter name
           "form-data; name=fi le",                   // a value is one token
           R"(form-data; name="file"x)",              // text after the quoted-string
           R"(form-data; name="note"; name="file")",  // the name twice
           R"(form-data; NAME="note"; name="file")",  // the name twice, in two cases
           "form-data; name=\"fi\x01le\"",            // a control character
           "form-data; name=f\"ile",                  // a quote inside a token
           "; name=file",                             // no disposition type
           R"(attachment; name="file")",              // not form-data (RFC 7578 §4.2)
       }) {
    const std::string disposition = bad;
    CAPTURE(disposition);
    CHECK(ErrorCode(disposition) == "bad_multipart");
  }
  // Two Content-Disposition headers in one part.
  CHECK(HashInPieces(PartsBody({{"Content-Disposition: form-data; name=\"note\"\r\n"
                                 "Content-Disposition: form-data; name=\"file\"",
                                 "F"}}),
                     5)
            .status()
            .code() == "bad_multipart");
  // A folded header line (obs-fold, RFC 9112 §5.2).
  CHECK(HashInPieces(PartsBody({{"Content-Disposition: form-data;\r\n name=\"file\"", "F"}}), 5)
            .status()
            .code() == "bad_multipart");
}

TEST_CASE("the boundary comes from the Content-Type") {
  CHECK(MultipartBoundary("multipart/form-data; boundary=abc") == "abc");
  CHECK(MultipartBoundary("Multipart/Form-Data; boundary=\"a b\"; x=1") == "a b");
  CHECK(!MultipartBoundary("application/json").has_value());
  CHECK(!MultipartBoundary("multipart/form-data").has_value());
  CHECK(!MultipartBoundary("multipart/form-data; boundary=" + std::string(71, 'a')).has_value());
  // Only the parameter named boundary counts, never text inside another parameter's value.
  CHECK(MultipartBoundary("multipart/form-data; x=\"; boundary=evil\"; boundary=real") == "real");
  CHECK(MultipartBoundary("multipart/form-data; xboundary=evil; Boundary = \"q\\\"d\"") == "q\"d");
  CHECK(!MultipartBoundary("multipart/form-data; x=\"; boundary=evil\"").has_value());
  CHECK(!MultipartBoundary("multipart/form-data-x; boundary=abc").has_value());
  CHECK(!MultipartBoundary("multipart/form-data; boundary=a; boundary=b").has_value());
  CHECK(!MultipartBoundary("multipart/form-data; boundary=\"abc").has_value());
}

// The 16 KiB bounds on a part's header lines (without the empty line that ends them) and on the
// preamble (without the CRLF before the first boundary) are exact, whatever the reads: a body
// that arrived in one read was checked only against the bound its incomplete part had passed,
// so 20 KiB of part headers were refused in small reads and accepted in one.
TEST_CASE("a part header or preamble over 16 KiB is refused however the body arrives") {
  const std::string file = "Content-Disposition: form-data; name=file";
  const std::string at_limit = "X: " + std::string((16 << 10) - 5 - file.size(), 'h');
  REQUIRE(at_limit.size() + 2 + file.size() == 16 << 10);
  for (size_t piece : {1, 1000, 100000}) {
    CAPTURE(piece);
    auto fits = HashInPieces(PartsBody({{at_limit + "\r\n" + file, "F"}}), piece);
    REQUIRE_MESSAGE(fits.ok(), fits.status().ToString());
    CHECK(**fits == crypto::Sha256("F"));
    CHECK(HashInPieces(PartsBody({{at_limit + "h\r\n" + file, "F"}}), piece).status().code() ==
          "bad_multipart");
    CHECK(HashInPieces(Body("F", std::string(16 << 10, 'p') + "\r\n"), piece).ok());
    CHECK(
        HashInPieces(Body("F", std::string((16 << 10) + 1, 'p') + "\r\n"), piece).status().code() ==
        "bad_multipart");
  }
}

// The server feeds an upload 64 KiB at a time on its one I/O thread (api/http_server.cc), so the
// hasher's cost per byte must not grow with the size of a read: before the hasher dropped
// consumed bytes once per Feed, each part moved the rest of the read, and a 64 KiB read of empty
// 9-byte parts (a one-byte boundary) cost 10 ms of the I/O thread: 4 MiB took 0.63 s in 64 KiB
// reads, 16 times what it took in 4 KiB reads and 240 times a file part of that size; a 256 MiB
// upload held the thread for 40 s while every other connection waited. The same body in 64 KiB
// and in 4 KiB reads is compared (the fastest of five runs each, interleaved), so a busy
// machine slows both alike.
// Until 2026-12-07 the hasher moved the rest of the buffer to its front once per part: with
// 9-byte parts a 64 KiB read cost ~10 ms of the HTTP I/O thread (quadratic in the read's size),
// 40 s for a 256 MiB upload, while every other connection waited. It now moves what is left once
// per read. Counted, not timed: bytes moved per read stay below a boundary's length however many
// parts a read holds.
TEST_CASE("a body of many tiny parts moves each read's bytes once, not once per part") {
  constexpr size_t kSize = size_t{4} << 20;
  std::string parts = "--B\r\n\r\n";
  while (parts.size() < kSize) parts += "\r\n--B\r\n\r\n";
  parts += "\r\n--B--\r\n";
  for (const size_t piece : {size_t{4} << 10, size_t{64} << 10}) {
    CAPTURE(piece);
    MultipartHasher h("B");
    size_t reads = 0;
    for (size_t i = 0; i < parts.size(); i += piece, ++reads) {
      REQUIRE(h.Feed(std::string_view(parts).substr(i, piece)).ok());
    }
    REQUIRE(h.Finish().ok());
    CAPTURE(h.bytes_moved());
    CHECK(h.bytes_moved() <= reads * std::string_view("\r\n--B\r\n\r\n").size());
  }
}

}  // namespace
}  // namespace evchain::api
