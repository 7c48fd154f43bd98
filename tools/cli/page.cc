// evchain page: writes the court's own verification page, one self-contained HTML file with the
// judge's page (api/web/*), its scripts and style, and the chain's genesis inlined. Opened from
// disk (file:, a secure context in Chromium, so WebCrypto's Ed25519 works) it verifies files and
// receipts without any network access; its Content-Security-Policy forbids any. docs/cli.md.
#include <iostream>
#include <memory>
#include <string>

#include "api/web_assets.h"
#include "common/encoding.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/verbs.h"

namespace evchain::cli {
namespace {

constexpr const char* kPageVerb = "page";

struct PageOptions {
  std::string genesis;
  std::string out;
};

// Replaces the one occurrence of `from`; false when it is missing.
bool ReplaceOnce(std::string& s, std::string_view from, std::string_view to) {
  const size_t at = s.find(from);
  if (at == std::string::npos) return false;
  s.replace(at, from.size(), to);
  return true;
}

// JSON inside a <script> element: "<" (and so "</script>" or "<!--") never appears raw. The
// characters only occur inside JSON strings, where \u003c is the same character.
std::string ScriptSafeJson(const std::string& json) {
  std::string out;
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Result<std::string> RenderOfflinePage(const genesis::Genesis& genesis) {
  const api::WebAsset* index = api::FindWebAsset("/index.html");
  const api::WebAsset* style = api::FindWebAsset("/style.css");
  if (index == nullptr || style == nullptr) return Status::Error("internal", "web assets missing");
  std::string html(index->body);
  bool ok = ReplaceOnce(html, "<link rel=\"stylesheet\" href=\"/style.css\">",
                        "<style>\n" + std::string(style->body) + "</style>");
  // No network at all: scripts and styles are inline, nothing may be fetched or connected to.
  ok = ok && ReplaceOnce(html, "<meta charset=\"utf-8\">",
                         "<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" "
                         "content=\"default-src 'none'; script-src 'unsafe-inline'; style-src "
                         "'unsafe-inline'; img-src data: blob:\">");
  const std::string genesis_script = "<script type=\"application/json\" id=\"evchain-genesis\">\n" +
                                     ScriptSafeJson(genesis::GenesisToJson(genesis)) +
                                     "</script>\n";
  ok = ok && ReplaceOnce(html, "<script src=\"/sha256.js\"></script>",
                         genesis_script + "<script src=\"/sha256.js\"></script>");
  for (const char* script : {"/sha256.js", "/verify.js", "/i18n.js", "/qrcode.js", "/app.js"}) {
    const api::WebAsset* asset = api::FindWebAsset(script);
    ok = ok && asset != nullptr &&
         ReplaceOnce(html, "<script src=\"" + std::string(script) + "\"></script>",
                     "<script>\n" + std::string(asset->body) + "</script>");
  }
  if (!ok) return Status::Error("internal", "api/web/index.html does not have the expected tags");
  return html;
}

void AddPage(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<PageOptions>();
  auto* cmd = app.add_subcommand(
      "page", "Write the court's own offline verification page (one self-contained HTML file)");
  cmd->add_option("--genesis", o->genesis, "The chain's genesis file, as the court holds it")
      ->required();
  cmd->add_option("--out", o->out, "The HTML file to write (replaced if it exists)")->required();
  cmd->footer(
      "Open the file in Chromium or Chrome from disk: it needs no network.\n\nExample:\n"
      "  evchain page --genesis genesis.json --out verify.html\n");
  cmd->callback([o, exit_code] {
    auto genesis = LoadGenesis(o->genesis);
    if (!genesis.ok()) {
      *exit_code = FailGenesis(kPageVerb, genesis.status());
      return;
    }
    auto html = RenderOfflinePage(*genesis);
    if (!html.ok()) {
      *exit_code = Fail(kPageVerb, kExitIo, html.status().message());
      return;
    }
    if (Status s = WriteFile(o->out, *html); !s.ok()) {
      *exit_code = Fail(kPageVerb, kExitIo, s.message());
      return;
    }
    std::cout << "wrote " << o->out << " (" << FormatBytes(static_cast<double>(html->size()))
              << "): chain " << genesis->chain_id << ", genesis fingerprint "
              << ToHex(genesis->hash) << "\n";
    *exit_code = kExitOk;
  });
}

}  // namespace evchain::cli
