#include "tools/cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "tools/cli/cli_common.h"

namespace evchain::cli {

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, uint64_t total, Unit unit, std::string item_name, bool force,
                   NotTerminal not_terminal)
    : label_(std::move(label)),
      total_(total),
      unit_(unit),
      item_name_(std::move(item_name)),
      enabled_(force || StderrIsTerminal()),
      lines_(!enabled_ && not_terminal == NotTerminal::kLinePer10Percent),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { Finish(); }

double Progress::Elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::Add(uint64_t n) { Update(done_ + n, total_); }

void Progress::Update(uint64_t done, uint64_t total) {
  done_ = done;
  total_ = total;
  if (lines_) MaybePrintLine();
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  // Redraw at most 10 times a second: the terminal is slower than hashing.
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw();
}

std::string Progress::Amount() const {
  if (unit_ == Unit::kBytes) {
    std::string amount = FormatBytes(static_cast<double>(done_));
    if (total_ > 0) amount += " / " + FormatBytes(static_cast<double>(total_));
    return amount;
  }
  std::string amount = std::to_string(done_);
  if (total_ > 0) amount += " / " + std::to_string(total_);
  return amount + " " + item_name_;
}

void Progress::MaybePrintLine() {
  if (total_ == 0) return;
  const int step = done_ >= total_ ? 10 : static_cast<int>(done_ * 10 / total_);
  if (step <= line_step_) return;
  line_step_ = step;
  std::fprintf(stderr, "%s: %d%% (%s, %s)\n", label_.c_str(), step * 10, Amount().c_str(),
               FormatDuration(Elapsed()).c_str());
  std::fflush(stderr);
}

void Progress::Draw() {
  const double elapsed = Elapsed();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  const std::string amount = Amount();
  std::string rate_text;
  if (unit_ == Unit::kBytes) {
    rate_text = FormatBytes(rate) + "/s";
  } else {
    rate_text = std::to_string(static_cast<uint64_t>(rate)) + " " + item_name_ + "/s";
  }
  std::string bar;
  std::string eta;
  if (total_ > 0) {
    constexpr int kWidth = 30;
    const double fraction =
        done_ >= total_ ? 1.0 : static_cast<double>(done_) / static_cast<double>(total_);
    const int filled = static_cast<int>(fraction * kWidth);
    bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
    if (rate > 0 && done_ < total_) {
      eta = "  ETA " + FormatDuration(static_cast<double>(total_ - done_) / rate);
    }
  }
  std::fprintf(stderr, "\r\033[K%s %s%s  %s%s", label_.c_str(), bar.c_str(), amount.c_str(),
               rate_text.c_str(), eta.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::Finish() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace evchain::cli
