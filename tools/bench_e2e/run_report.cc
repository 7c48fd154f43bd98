#include "tools/bench_e2e/run_report.h"

#include <cstdio>
#include <map>
#include <vector>

namespace evchain::bench {

ojson CountAnswers(const LoadResult& r, uint32_t per_request, uint64_t* accepted_deposits) {
  std::map<int, uint64_t> by_status;
  uint64_t answered = 0, sent = 0, s503 = 0, s503_ra = 0, s429 = 0, accepted = 0, resent = 0;
  for (const auto& rec : r.records) {
    // Refused and then sent again (closed loop): each refusal is a request with its answer.
    const uint64_t refusals = rec.refused_503 + rec.refused_429;
    sent += refusals;
    answered += refusals;
    resent += refusals;
    if (rec.refused_503 > 0) by_status[503] += rec.refused_503;
    if (rec.refused_429 > 0) by_status[429] += rec.refused_429;
    s503 += rec.refused_503;
    s503_ra += rec.refused_503_retry_after;
    s429 += rec.refused_429;
    if (rec.sent_ns >= 0) ++sent;
    if (rec.done_ns < 0) continue;
    ++answered;
    ++by_status[rec.status];
    if (rec.status == 503) {
      ++s503;
      if (rec.retry_after) ++s503_ra;
    }
    if (rec.status == 429) ++s429;
    if (rec.status == 200 || rec.status == 202) ++accepted;
  }
  ojson statuses = ojson::object();
  for (const auto& [s, n] : by_status) statuses[std::to_string(s)] = n;
  // Time to the HTTP answer (any status) from the sent (closed) or intended (open) time:
  // separates waiting for the HTTP server from waiting for consensus.
  std::vector<double> answer_ms;
  for (const auto& rec : r.records) {
    if (rec.done_ns >= 0)
      answer_ms.push_back(static_cast<double>(rec.done_ns - rec.intended_ns) / 1e6);
  }
  *accepted_deposits = accepted * per_request;
  return ojson{
      {"requests_sent", sent},
      {"answered", answered},
      // Closed loop: requests sent again after a 429/503 (each also counted in requests_sent).
      {"resent", resent},
      {"by_status", statuses},
      {"accepted_requests", accepted},
      {"accepted_deposits", accepted * per_request},
      {"http_503", s503},
      {"http_503_with_retry_after", s503_ra},
      {"http_429", s429},
      {"connect_errors", r.connect_errors},
      {"io_errors", r.io_errors},
      {"unsent", r.unsent},
      // Sent without an answer: I/O errors, timeouts and requests still in flight when the run
      // stopped (the server may still have accepted them).
      {"unanswered", sent - answered},
      {"pool_exhausted", r.pool_exhausted},
      {"answer_latency_ms",
       {{"p50", Num(Percentile(answer_ms, 50))}, {"p99", Num(Percentile(answer_ms, 99))}}}};
}

std::string LoadLabel(const ojson& run) {
  return run["loop"] == "open" ? "open " + Fmt(run["rate"], "%.0f") + "/s"
                               : "closed " + std::to_string(run["connections"].get<int>());
}

void PrintRow(const ojson& run, const std::string& xceil, bool header) {
  if (header) {
    std::printf("%-8s %-6s %-11s %8s %9s %9s %6s %6s %11s %6s %6s %15s %13s %13s %7s %9s\n",
                "system", "mode", "load", "requests", "accepted", "503(RA)", "429", "errors",
                "committed/s", "xetcd", "xceil", "commit p50/p99", "srv p50/p99", "views", "drain",
                "cpu/commit");
  }
  const std::string loop = LoadLabel(run);
  if (run.contains("error")) {
    std::printf("%-8s %-6s %-11s error: %s\n", run["system"].get<std::string>().c_str(),
                run["mode"].get<std::string>().c_str(), loop.c_str(),
                run["error"].get<std::string>().c_str());
    return;
  }
  const auto& a = run["answers"];
  std::string views = "-", drain = "-";
  if (run["system"] == "evchain") {
    views = std::to_string(MaxOf(run["views"]["before"]["view"])) + "->" +
            std::to_string(MaxOf(run["views"]["after_drain"]["view"]));
    drain = (run["drain"]["drained"].get<bool>() ? "" : ">") +
            Fmt(run["drain"]["seconds_after_window"], "%.1f") + "s";
  }
  const std::string lat = Fmt(run["commit_latency_ms"]["p50"], "%.0f") + "/" +
                          Fmt(run["commit_latency_ms"]["p99"], "%.0f") + " ms";
  std::string server = "-";
  if (run["commit_latency_ms"].contains("server")) {
    const ojson& srv = run["commit_latency_ms"]["server"];
    server = "<=" + Fmt(srv["p50_at_most"], "%.0f") + "/<=" + Fmt(srv["p99_at_most"], "%.0f");
  }
  const std::string shed = std::to_string(a["http_503"].get<uint64_t>()) + "(" +
                           std::to_string(a["http_503_with_retry_after"].get<uint64_t>()) + ")";
  const std::string cpu =
      Fmt(run["cpu_seconds"].value("servers_us_per_commit", ojson()), "%.0f") + " us";
  const uint64_t errors = a["connect_errors"].get<uint64_t>() + a["unanswered"].get<uint64_t>() +
                          a["unsent"].get<uint64_t>();
  std::printf("%-8s %-6s %-11s %8llu %9llu %9s %6llu %6llu %11s %6s %6s %15s %13s %13s %7s %9s\n",
              run["system"].get<std::string>().c_str(), run["mode"].get<std::string>().c_str(),
              loop.c_str(), static_cast<unsigned long long>(a["requests_sent"].get<uint64_t>()),
              static_cast<unsigned long long>(a["accepted_deposits"].get<uint64_t>()), shed.c_str(),
              static_cast<unsigned long long>(a["http_429"].get<uint64_t>()),
              static_cast<unsigned long long>(errors), Fmt(run["committed_per_s"], "%.0f").c_str(),
              Fmt(run.value("ratio_to_etcd", ojson()), "%.2f").c_str(), xceil.c_str(), lat.c_str(),
              server.c_str(), views.c_str(), drain.c_str(), cpu.c_str());
  std::fflush(stdout);
}

}  // namespace evchain::bench
