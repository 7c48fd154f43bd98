#include "tools/cli/cli_common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tools/cli/file_hash.h"
#include "tools/cli/verify_report.h"

namespace evchain::cli {

int Fail(std::string_view verb, int exit_code, std::string_view message) {
  // A message may quote a node's answer, a file's bytes or a path: escaped, so it stays one
  // line and cannot drive the terminal (docs/cli.md).
  std::cerr << "evchain" << (verb.empty() ? "" : " ") << PrintableText(verb) << ": "
            << PrintableText(message) << "\n";
  return exit_code;
}

Result<std::string> ReadFile(const std::string& path) {
  // An ifstream opens a directory and reads it as empty, which a caller would take for an empty
  // document: anything but a regular file (after symlinks) is refused here, by name.
  EVCHAIN_RETURN_IF_ERROR(CheckRegularFile(path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("io", "cannot open " + path);
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Status::Error("io", "cannot read " + path);
  return out.str();
}

namespace {

Status IoError(const std::string& what) {
  return Status::Error("io", what + ": " + std::strerror(errno));
}

// fsyncs the directory holding `path`, so a rename or link into it survives a crash.
Status SyncParentDirectory(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open " + dir.string());
  const int rc = fsync(fd);
  close(fd);
  if (rc != 0) return IoError("cannot sync " + dir.string());
  return Status::Ok();
}

// Writes `content` to a new temp file next to `path` and fsyncs it; returns the temp file's
// name. mkstemp creates it with O_EXCL under a random name, so a planted file or symlink of a
// guessable name is never written through. Mode: `path`'s when it exists, else 0666 & ~umask,
// as a plain create would give.
Result<std::string> WriteTempNextTo(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) return IoError("cannot create a temp file for " + path);
  mode_t mode = 0;
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = umask(0);  // read the umask (the CLI writes files from one thread)
    umask(mask);
    mode = 0666 & ~mask;
  }
  Status status = Status::Ok();
  if (fchmod(fd, mode) != 0) status = IoError("cannot set the mode of " + tmp);
  for (size_t done = 0; status.ok() && done < content.size();) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) status = IoError("cannot write " + tmp);
    if (n > 0) done += static_cast<size_t>(n);
  }
  if (status.ok() && fsync(fd) != 0) status = IoError("cannot sync " + tmp);
  if (close(fd) != 0 && status.ok()) status = IoError("cannot close " + tmp);
  if (!status.ok()) {
    unlink(tmp.c_str());
    return status;
  }
  return tmp;
}

}  // namespace

Status WriteFile(const std::string& path, std::string_view content) {
  auto tmp = WriteTempNextTo(path, content);
  if (!tmp.ok()) return tmp.status();
  if (std::rename(tmp->c_str(), path.c_str()) != 0) {
    Status s = IoError("cannot rename " + *tmp + " to " + path);
    unlink(tmp->c_str());
    return s;
  }
  return SyncParentDirectory(path);
}

Status WriteNewFile(const std::string& path, std::string_view content) {
  auto tmp = WriteTempNextTo(path, content);
  if (!tmp.ok()) return tmp.status();
  // link() fails with EEXIST instead of replacing: no window in which an existing file is lost.
  const int rc = link(tmp->c_str(), path.c_str());
  const int link_errno = errno;
  unlink(tmp->c_str());
  if (rc != 0) {
    errno = link_errno;
    if (errno == EEXIST) return Status::Error("exists", path + " already exists");
    return IoError("cannot create " + path);
  }
  return SyncParentDirectory(path);
}

Result<genesis::Genesis> LoadGenesis(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto genesis = genesis::ParseGenesis(*text);
  if (!genesis.ok()) {
    return Status::Error(genesis.status().code(), path + ": " + genesis.status().message());
  }
  return genesis;
}

int FailGenesis(std::string_view verb, const Status& status) {
  if (status.code() == "io") return Fail(verb, kExitIo, status.message());
  return Fail(verb, kExitUsage, "not a valid genesis file: " + status.message());
}

std::string FormatBytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return buf;
}

std::string FormatDuration(double seconds) {
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else if (seconds < 3600) {
    int s = static_cast<int>(seconds);
    std::snprintf(buf, sizeof buf, "%dm%02ds", s / 60, s % 60);
  } else {
    int s = static_cast<int>(seconds);
    std::snprintf(buf, sizeof buf, "%dh%02dm", s / 3600, (s / 60) % 60);
  }
  return buf;
}

}  // namespace evchain::cli
