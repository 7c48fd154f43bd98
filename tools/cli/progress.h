// A one-line progress bar on stderr (done/total, rate, ETA) when stderr is a terminal (or when
// the caller forces it, e.g. a --progress flag); otherwise it stays silent so logs and pipes get
// only the final plain lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace evchain::cli {

class Progress {
 public:
  enum class Unit { kBytes, kItems };
  // `total` may be 0 when unknown (no bar, no ETA). `item_name` labels kItems ("entries").
  Progress(std::string label, uint64_t total, Unit unit, std::string item_name = "",
           bool force = false);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(uint64_t n);
  // Clears the bar line (if drawn). Called by the destructor too.
  void Finish();
  bool enabled() const { return enabled_; }
  // Seconds since construction.
  double Elapsed() const;

 private:
  void Draw();

  std::string label_;
  uint64_t total_;
  Unit unit_;
  std::string item_name_;
  uint64_t done_ = 0;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// True iff stderr is a terminal (progress bars are drawn only then).
bool StderrIsTerminal();

}  // namespace evchain::cli
