// evchain keygen: a fresh Ed25519 key file (docs/formats.md "Key file"), mode 0600.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/verbs.h"

namespace evchain::cli {
namespace {

int RunKeygen(const std::string& out) {
  std::error_code ec;
  if (std::filesystem::exists(out, ec)) {
    return Fail("keygen", kExitUsage, out + " already exists; refusing to overwrite a key");
  }
  crypto::SecretKey key = crypto::SecretKey::Generate();
  if (Status s = key.SaveFile(out); !s.ok()) return Fail("keygen", kExitIo, s.message());
  std::cout << ToHex(ByteView(key.public_key())) << "\n";
  return kExitOk;
}

}  // namespace

void AddKeygen(CLI::App& app, int* exit_code) {
  auto out = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("keygen", "Generate an Ed25519 key file (mode 0600)");
  cmd->add_option("--out", *out, "Key file to create (never overwritten)")->required();
  cmd->footer(
      "Prints the public key as 64 hex characters (for a genesis file).\n\n"
      "Example:\n  evchain keygen --out depositor.key"
      "\n");
  cmd->callback([out, exit_code] { *exit_code = RunKeygen(*out); });
}

}  // namespace evchain::cli
