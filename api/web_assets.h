// The judge's page (api/web/*), embedded into the binary at build time so a validator serves it
// without reading files at request time.
#pragma once

#include <string_view>

namespace evchain::api {

struct WebAsset {
  std::string_view path;  // URL path, e.g. "/app.js"
  std::string_view content_type;
  std::string_view body;
};

// nullptr when `path` is not an asset. "/" is the page itself.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace evchain::api
