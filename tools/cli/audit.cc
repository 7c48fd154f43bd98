// evchain audit: re-verifies the whole chain from a data directory or a node (audit_core.h).
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/encoding.h"
#include "common/time.h"
#include "tools/cli/audit_core.h"
#include "tools/cli/audit_sources.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/verbs.h"
#include "tools/cli/verify_report.h"

namespace evchain::cli {
namespace {

constexpr const char* kAuditVerb = "audit";

struct AuditCliOptions {
  std::string data_dir;
  std::string node;
  std::string token;
  std::string genesis;
  std::string tmp_dir;
  bool json = false;
  unsigned threads = 0;
};

void PrintText(const AuditReport& r, const BlockSource& source, const genesis::Genesis& g) {
  const double rate = r.seconds > 0 ? static_cast<double>(r.entries) / r.seconds : 0;
  std::cout << "audited " << source.Describe() << " against genesis " << ToHex(g.hash) << " (chain "
            << g.chain_id << ")\n"
            << "  blocks      " << r.blocks
            << (r.blocks > 0 ? " (heights 1.." + std::to_string(r.blocks) + ")" : "") << "\n"
            << "  entries     " << r.entries << "\n";
  if (r.blocks > 0) {
    std::cout << "  time span   " << FormatRfc3339Millis(r.first_time) << " .. "
              << FormatRfc3339Millis(r.last_time) << "\n";
  }
  std::cout << "  signatures  " << r.signatures_checked << " checked on " << r.threads
            << " thread(s)\n"
            << "  elapsed     " << FormatDuration(r.seconds) << " (" << static_cast<uint64_t>(rate)
            << " entries/s)\n";
  if (r.io_error) {
    std::cout << "INCOMPLETE: " << r.reason << "\n";
  } else if (r.first_bad_height) {
    std::cout << "FAILED at height " << *r.first_bad_height << ": " << r.reason << "\n";
  } else {
    std::cout << "CLEAN: every block, certificate, leaf and signature verifies\n";
  }
}

void PrintJson(const AuditReport& r, const BlockSource& source, const genesis::Genesis& g) {
  nlohmann::ordered_json j = {
      // A data directory's name need not be UTF-8 (a GBK path), which JSON cannot hold.
      {"source", PrintableText(source.Describe())},
      {"genesis_hash", ToHex(g.hash)},
      {"chain_id", g.chain_id},
      {"ok", r.ok()},
      {"blocks", r.blocks},
      {"entries", r.entries},
      {"first_time", r.blocks > 0 ? nlohmann::ordered_json(FormatRfc3339Millis(r.first_time))
                                  : nlohmann::ordered_json(nullptr)},
      {"last_time", r.blocks > 0 ? nlohmann::ordered_json(FormatRfc3339Millis(r.last_time))
                                 : nlohmann::ordered_json(nullptr)},
      {"first_bad_height", r.first_bad_height ? nlohmann::ordered_json(*r.first_bad_height)
                                              : nlohmann::ordered_json(nullptr)},
      {"reason", r.reason},
      {"io_error", r.io_error},
      {"signatures_checked", r.signatures_checked},
      {"threads", r.threads},
      {"seconds", r.seconds},
      {"entries_per_second", r.seconds > 0 ? static_cast<double>(r.entries) / r.seconds : 0.0}};
  std::cout << j.dump(2) << "\n";
}

int RunAuditVerb(const AuditCliOptions& o) {
  if (o.data_dir.empty() == o.node.empty()) {
    return Fail(kAuditVerb, kExitUsage, "give exactly one of --data-dir D or --node URL");
  }
  auto genesis = LoadGenesis(o.genesis);
  if (!genesis.ok()) return FailGenesis(kAuditVerb, genesis.status());
  auto source = o.data_dir.empty() ? OpenNodeSource(o.node, o.token)
                                   : OpenDataDirSource(o.data_dir, o.tmp_dir);
  if (!source.ok()) {
    return Fail(kAuditVerb, source.status().code() == "usage" ? kExitUsage : kExitIo,
                source.status().message());
  }
  AuditOptions options;
  options.threads = o.threads;
  options.progress = !o.json;
  AuditReport report = RunAudit(**source, *genesis, options);
  // The reason may quote what the source holds (a statement's field name, a node's chain id or
  // error text): escaped before it reaches the terminal or the JSON summary.
  report.reason = PrintableText(report.reason);
  if (o.json) {
    PrintJson(report, **source, *genesis);
  } else {
    PrintText(report, **source, *genesis);
  }
  if (report.io_error) return Fail(kAuditVerb, kExitIo, report.reason);
  if (report.first_bad_height) {
    return Fail(
        kAuditVerb, kExitFailed,
        "first bad height " + std::to_string(*report.first_bad_height) + ": " + report.reason);
  }
  return kExitOk;
}

}  // namespace

void AddAudit(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<AuditCliOptions>();
  auto* cmd = app.add_subcommand("audit", "Re-verify every block of the chain from height 1");
  cmd->add_option("--data-dir", o->data_dir,
                  "A node's data directory (stop the node first, or audit a copy)");
  cmd->add_option("--node", o->node, "A node URL (GET /v1/blocks)");
  cmd->add_option("--token", o->token, "Bearer token when the node restricts block listing");
  cmd->add_option("--genesis", o->genesis, "Trusted genesis file")->required();
  cmd->add_option("--tmp-dir", o->tmp_dir,
                  "With --data-dir: where the index check sorts its keys, about 51 bytes per "
                  "entry in unlinked files (default: $TMPDIR or /tmp)");
  cmd->add_flag("--json", o->json, "Print the summary as JSON");
  cmd->add_option("--threads", o->threads,
                  "Signature-check threads (default: hardware concurrency)");
  cmd->footer(
      "Exit 0 when clean; 1 naming the first bad height; 3 when the source cannot be read.\n\n"
      "Examples:\n  evchain audit --data-dir ./net/node0/data --genesis ./net/genesis.json\n"
      "  evchain audit --node http://127.0.0.1:8081 --genesis genesis.json --json"
      "\n");
  cmd->callback([o, exit_code] { *exit_code = RunAuditVerb(*o); });
}

}  // namespace evchain::cli
