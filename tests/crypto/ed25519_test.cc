// Ed25519 against RFC 8032 §7.1 test 1, and the key file contract (docs/formats.md "Key file").
#include "crypto/ed25519.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/encoding.h"

namespace evchain::crypto {
namespace {

constexpr std::string_view kSecret =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kPublic =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kSignature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
    "6bd25bf5f0595bbe24655141438e7a100b";

SecretKey Rfc8032Key() {
  auto seed = FromHex(kSecret);
  REQUIRE(seed.has_value());
  return SecretKey::FromSeed(*seed);
}

// A fresh directory for one test, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "evchain-keytest-XXXXXX").string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    path_ = templ;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

mode_t Mode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

TEST_CASE("RFC 8032 test 1: sign reproduces, verify accepts, wrong message rejects") {
  const SecretKey key = Rfc8032Key();
  CHECK(ToHex(ByteView(key.public_key())) == kPublic);
  const Signature sig = key.Sign(ByteView());
  CHECK(ToHex(ByteView(sig)) == kSignature);
  CHECK(Verify(key.public_key(), ByteView(), sig));
  CHECK(Verify(key.public_key(), ByteView(), ByteView(sig)));
  const Bytes wrong = {0x72};
  CHECK_FALSE(Verify(key.public_key(), wrong, sig));
  Signature flipped = sig;
  flipped[10] ^= 1;
  CHECK_FALSE(Verify(key.public_key(), ByteView(), flipped));
  CHECK_FALSE(Verify(key.public_key(), ByteView(), ByteView(sig).first(63)));
}

TEST_CASE("generated keys sign and verify, and differ") {
  const SecretKey a = SecretKey::Generate();
  const SecretKey b = SecretKey::Generate();
  CHECK(a.public_key() != b.public_key());
  const Bytes msg = {1, 2, 3};
  CHECK(Verify(a.public_key(), msg, a.Sign(msg)));
  CHECK_FALSE(Verify(b.public_key(), msg, a.Sign(msg)));
}

TEST_CASE("key file: 0600, no overwrite, round trip") {
  TempDir dir;
  const std::string path = dir.File("validator.key");
  const SecretKey key = Rfc8032Key();
  REQUIRE(key.SaveFile(path).ok());
  CHECK(Mode(path) == 0600);
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  CHECK(line == "evchain-ed25519-seed:" + std::string(kSecret));

  const SecretKey other = SecretKey::Generate();
  CHECK(other.SaveFile(path).code() == "key_exists");
  auto loaded = SecretKey::LoadFile(path);
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  CHECK(loaded->public_key() == key.public_key());
  CHECK(loaded->Sign(ByteView()) == key.Sign(ByteView()));
}

TEST_CASE("key file: LoadFile refuses group/other-readable and malformed files") {
  TempDir dir;
  const std::string path = dir.File("open.key");
  REQUIRE(Rfc8032Key().SaveFile(path).ok());
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  CHECK(SecretKey::LoadFile(path).status().code() == "key_permissions");

  CHECK(SecretKey::LoadFile(dir.File("missing.key")).status().code() == "key_unreadable");

  const std::string contents[] = {
      "garbage\n",
      "",
      "evchain-ed25519-seed:" + std::string(kSecret.substr(0, 62)) + "\n",
      "evchain-ed25519-seed:" + std::string(kSecret) + "00\n",
      "evchain-ed25519-seed:9D61B19DEFFD5A60BA844AF492EC2CC44449C5697B326919703BAC031CAE7F60\n",
  };
  int i = 0;
  for (const std::string& text : contents) {
    const std::string bad = dir.File("bad" + std::to_string(i++) + ".key");
    std::ofstream(bad) << text;
    REQUIRE(::chmod(bad.c_str(), 0600) == 0);
    CAPTURE(text);
    CHECK(SecretKey::LoadFile(bad).status().code() == "key_format");
  }
  // What is no key is named so whatever its mode (until 2026-12-07 a readable genesis given as
  // the key got "chmod 600" advice), and a directory is no key either.
  const std::string genesis = dir.File("genesis.json");
  std::ofstream(genesis) << "{\"chain_id\": \"x\"}\n";
  REQUIRE(::chmod(genesis.c_str(), 0644) == 0);
  CHECK(SecretKey::LoadFile(genesis).status().code() == "key_format");
  CHECK(SecretKey::LoadFile(dir.File("")).status().code() == "key_format");
}

}  // namespace
}  // namespace evchain::crypto
