#include "tools/cli/cli_common.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace evchain::cli {

int Fail(std::string_view verb, int exit_code, std::string_view message) {
  std::cerr << "evchain" << (verb.empty() ? "" : " ") << verb << ": " << message << "\n";
  return exit_code;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("io", "cannot open " + path);
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Status::Error("io", "cannot read " + path);
  return out.str();
}

Status WriteFile(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Error("io", "cannot create " + tmp);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) return Status::Error("io", "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::Error("io", "cannot rename " + tmp + " to " + path);
  }
  return Status::Ok();
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
