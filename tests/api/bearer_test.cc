// CheckBearer: the Authorization header of the token-guarded endpoints (docs/api.md). The
// scheme name is case-insensitive (RFC 9110 §11.1), the token is not.
#include <doctest/doctest.h>

#include "api/request_parsing.h"

namespace evchain::api {
namespace {

Status CheckAuthorization(const std::string& authorization) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/v1/blocks";
  r.headers["authorization"] = authorization;
  return CheckBearer(r, {"token-1", "a-much-longer-token-2"}, /*open_without_tokens=*/false);
}

TEST_CASE("the bearer scheme is matched whatever its case, the token exactly") {
  for (const char* ok : {"Bearer token-1", "bearer token-1", "BEARER token-1", "bEaReR token-1",
                         "Bearer a-much-longer-token-2", "Bearer  token-1"}) {
    const std::string header = ok;
    CAPTURE(header);
    CHECK(CheckAuthorization(header).ok());
  }
  for (const char* refused :
       {"", "Bearer", "Bearer ", "bearer ", "Bearertoken-1", "Bearer\ttoken-1", "Basic token-1",
        "Bearer TOKEN-1", "Bearer token-1 ", "Bearer token-", "Bearer token-12", "Bearers token-1",
        " Bearer token-1"}) {
    const std::string header = refused;
    CAPTURE(header);
    CHECK(CheckAuthorization(header).code() == "unauthorized");
  }
}

}  // namespace
}  // namespace evchain::api
