// Shared plumbing of the `evchain` verbs: exit codes, one-line errors, file helpers.
// The user-facing contract (verbs, exit codes) is documented in docs/cli.md.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "genesis/genesis.h"

namespace evchain::cli {

// Exit codes (docs/cli.md "Exit codes").
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;  // verification or audit failure
constexpr int kExitUsage = 2;   // bad arguments, or an output that already exists
constexpr int kExitIo = 3;      // I/O or network error

// Prints "evchain <verb>: <message>" ("evchain: <message>" for an empty verb) on stderr and
// returns `exit_code`. The verb and message are printed through PrintableText
// (tools/cli/verify_report.h): one line, no control characters, whatever they quote.
int Fail(std::string_view verb, int exit_code, std::string_view message);

// The whole content of the regular file `path` (symlinks followed). Error "io", naming the path,
// when it is missing, unreadable, a directory or another non-regular file.
Result<std::string> ReadFile(const std::string& path);
// Writes `content` to `path`, replacing it atomically and durably: a temp file of a unique name
// in the same directory, fsynced, renamed over `path`, then the directory fsynced. A crash
// leaves the old or the new content, never a mix (at worst a stray PATH.tmp.XXXXXX). Error "io".
Status WriteFile(const std::string& path, std::string_view content);
// The same, but never replaces: error "exists" when `path` exists (checked atomically).
Status WriteNewFile(const std::string& path, std::string_view content);
// Loads a genesis file; errors name the path. Error "io" when the file cannot be read, the
// parser's code (e.g. "bad_genesis") when it was read but is not a valid genesis.
Result<genesis::Genesis> LoadGenesis(const std::string& path);
// Reports a failed LoadGenesis for `verb` as every verb does (docs/cli.md "Exit codes"): exit 3
// when the file could not be read, else exit 2, "not a valid genesis file: <path>: <why>".
int FailGenesis(std::string_view verb, const Status& status);

// "1.2 MiB", "834 B".
std::string FormatBytes(double bytes);
// "1m05s", "3.2s".
std::string FormatDuration(double seconds);

}  // namespace evchain::cli
