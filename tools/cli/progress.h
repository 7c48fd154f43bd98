// A one-line progress bar on stderr (done/total, rate, ETA) when stderr is a terminal (or when
// the caller forces it, e.g. a --progress flag); otherwise it stays silent so logs and pipes get
// only the final plain lines, unless the caller asks for a plain line per 10 % instead (for
// what may run many minutes unattended, such as an online backup: cron mail shows it moved).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace evchain::cli {

class Progress {
 public:
  enum class Unit { kBytes, kItems };
  // What a stderr that is no terminal gets (without `force`).
  enum class NotTerminal { kSilent, kLinePer10Percent };
  // `total` may be 0 when unknown (no bar, no ETA, no lines). `item_name` labels kItems
  // ("entries").
  Progress(std::string label, uint64_t total, Unit unit, std::string item_name = "",
           bool force = false, NotTerminal not_terminal = NotTerminal::kSilent);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(uint64_t n);
  // Sets how much is done and the total (for a total known better as it goes, an estimate from
  // elsewhere): done may pass the total, which then counts as reached.
  void Update(uint64_t done, uint64_t total);
  // Clears the bar line (if drawn). Called by the destructor too.
  void Finish();
  bool enabled() const { return enabled_; }
  // Seconds since construction.
  double Elapsed() const;

 private:
  void Draw();
  // Line mode: prints a line for each 10 % step reached since the last one printed.
  void MaybePrintLine();
  std::string Amount() const;

  std::string label_;
  uint64_t total_;
  Unit unit_;
  std::string item_name_;
  uint64_t done_ = 0;
  bool enabled_;
  bool lines_;          // a line per 10 % (not a terminal, and asked for)
  int line_step_ = -1;  // the last 10 % step printed in line mode
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// True iff stderr is a terminal (progress bars are drawn only then).
bool StderrIsTerminal();

}  // namespace evchain::cli
