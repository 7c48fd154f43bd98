// tools/cli/cli_common.h WriteFile: atomic replacement through a temp file of its own.
#include "tools/cli/cli_common.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "tests/tools/cli_test_util.h"

namespace evchain::cli::testing {
namespace {

namespace fs = std::filesystem;

TEST_CASE("WriteFile replaces the file and leaves no temp file") {
  TempDir dir;
  const std::string path = dir / "out.json";
  REQUIRE(WriteFile(path, "first\n").ok());
  REQUIRE(WriteFile(path, "second\n").ok());
  CHECK(ReadText(path) == "second\n");
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    CHECK(e.path().filename() == "out.json");
    ++files;
  }
  CHECK(files == 1);
}

TEST_CASE("WriteFile does not write through a planted PATH.tmp") {
  // Issue 10 item 7: a fixed "PATH.tmp" name let anyone who can write the directory plant a
  // symlink there; the write then went to the link's target (here a victim file), or failed when
  // the name was taken by a directory.
  TempDir dir;
  const std::string path = dir / "receipt.json";
  const std::string victim = dir / "victim";
  WriteText(victim, "keep me\n");
  fs::create_symlink(victim, path + ".tmp");
  REQUIRE(WriteFile(path, "new content\n").ok());
  CHECK(ReadText(victim) == "keep me\n");
  CHECK(ReadText(path) == "new content\n");
  CHECK(!fs::is_symlink(path));

  const std::string other = dir / "other.json";
  fs::create_directory(other + ".tmp");
  CHECK(WriteFile(other, "x").ok());
  CHECK(ReadText(other) == "x");
}

TEST_CASE("WriteFile reports a missing directory") {
  TempDir dir;
  const Status s = WriteFile(dir / "no-such-dir/out.json", "x");
  CHECK(s.code() == "io");
}

}  // namespace
}  // namespace evchain::cli::testing
