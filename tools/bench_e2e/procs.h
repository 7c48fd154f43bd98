// Child processes, temporary directories, free ports and Ctrl-C for evchain-bench-e2e.
// Everything the benchmark starts dies with it: children run in their own process group (the
// terminal's Ctrl-C reaches only the benchmark, which then kills them), get SIGKILL if the
// benchmark itself dies (PR_SET_PDEATHSIG), and are killed and reaped by ~Child.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace evchain::bench {

// Installs handlers for SIGINT, SIGTERM and SIGHUP that only set a flag; every wait in the
// benchmark polls Interrupted() and unwinds, so the destructors clean up.
void InstallSignalHandlers();
bool Interrupted();

// Sleeps up to `d`, waking early (and returning false) on an interrupt.
bool SleepFor(std::chrono::milliseconds d);

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it by the destructor
// unless Keep() was called.
class TempDir {
 public:
  static Result<TempDir> Make(const std::string& prefix);
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }
  void Keep() { keep_ = true; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool keep_ = false;
};

// One child process; stdout and stderr go to `log_path` (appended).
class Child {
 public:
  Child() = default;
  Child(Child&& other) noexcept : pid_(other.pid_), exit_status_(other.exit_status_) {
    other.pid_ = -1;
  }
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  ~Child() { Kill(); }

  Status Start(const std::vector<std::string>& argv, const std::string& log_path);
  // SIGKILL and reap; no-op when not running.
  void Kill();
  // True while the process has not exited (reaps it if it has).
  bool Running();
  pid_t pid() const { return pid_; }
  // The wait status of a child reaped by Running(); -1 before.
  int exit_status() const { return exit_status_; }

 private:
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

// Runs argv to completion (output to log_path); Ok iff it exits 0 within `timeout`.
Status RunToCompletion(const std::vector<std::string>& argv, const std::string& log_path,
                       std::chrono::seconds timeout);

// CPU seconds (user + system) a process has used so far, from /proc/PID/stat; 0 if unknown.
double ProcessCpuSeconds(pid_t pid);

// The largest resident set a process has had since it started or since ResetPeakResident, in
// bytes (VmHWM of /proc/PID/status); 0 if unknown.
uint64_t ProcessPeakResidentBytes(pid_t pid);
// Restarts that peak at the current resident set (writes 5 to /proc/PID/clear_refs), so a
// process that serves several runs (etcd's members) reports each run's own; false if refused.
bool ResetPeakResident(pid_t pid);

}  // namespace evchain::bench
