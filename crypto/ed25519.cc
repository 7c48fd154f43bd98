#include "crypto/ed25519.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "crypto/sodium_init.h"

namespace evchain::crypto {

namespace {
constexpr std::string_view kKeyFilePrefix = "evchain-ed25519-seed:";
}  // namespace

SecretKey::SecretKey() {
  EnsureSodium();
  secret_ = static_cast<unsigned char*>(sodium_malloc(crypto_sign_SECRETKEYBYTES));
  if (secret_ == nullptr) std::abort();
}

SecretKey::~SecretKey() {
  if (secret_ != nullptr) sodium_free(secret_);  // sodium_free wipes before freeing
}

SecretKey::SecretKey(SecretKey&& other) noexcept
    : secret_(other.secret_), public_key_(other.public_key_) {
  other.secret_ = nullptr;
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    if (secret_ != nullptr) sodium_free(secret_);
    secret_ = other.secret_;
    public_key_ = other.public_key_;
    other.secret_ = nullptr;
  }
  return *this;
}

SecretKey SecretKey::Generate() {
  SecretKey key;
  crypto_sign_keypair(key.public_key_.data(), key.secret_);
  return key;
}

SecretKey SecretKey::FromSeed(ByteView seed32) {
  SecretKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.secret_, seed32.data());
  return key;
}

Result<SecretKey> SecretKey::LoadFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::Error("key_unreadable", path + ": " + std::strerror(errno));
  }
  // What the file is before how it is kept: a directory or a FIFO (which a read would wait on
  // for ever), or a file that is no key (a genesis given by mistake), is named as such, not
  // given "chmod 600" advice.
  if (!S_ISREG(st.st_mode)) {
    return Status::Error("key_format", path + ": not a regular file, so not an evchain key file");
  }
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::string_view text(line);
  if (text.substr(0, kKeyFilePrefix.size()) != kKeyFilePrefix ||
      text.size() != kKeyFilePrefix.size() + 64) {
    sodium_memzero(line.data(), line.size());
    return Status::Error("key_format", path + ": not an evchain key file");
  }
  if ((st.st_mode & 077) != 0) {
    sodium_memzero(line.data(), line.size());
    return Status::Error("key_permissions",
                         path + ": key file must not be readable by group or others (chmod 600)");
  }
  auto seed = FromHex(text.substr(kKeyFilePrefix.size()));
  sodium_memzero(line.data(), line.size());
  if (!seed) return Status::Error("key_format", path + ": key seed is not lowercase hex");
  SecretKey key = FromSeed(*seed);
  sodium_memzero(seed->data(), seed->size());
  return key;
}

Status SecretKey::SaveFile(const std::string& path) const {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Error("key_exists", path + ": refusing to overwrite");
    return Status::Error("key_write", path + ": " + std::strerror(errno));
  }
  std::string text(kKeyFilePrefix);
  text += ToHex(ByteView(secret_, crypto_sign_SEEDBYTES));
  text += '\n';
  ssize_t written = ::write(fd, text.data(), text.size());
  sodium_memzero(text.data(), text.size());
  bool ok = written == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status::Error("key_write", path + ": write failed");
  return Status::Ok();
}

Signature SecretKey::Sign(ByteView message) const {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_);
  return sig;
}

}  // namespace evchain::crypto
