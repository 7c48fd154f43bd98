// evchain verify: proves a file's deposit from a receipt and the genesis alone (the chain
// file -> digest -> statement -> signature -> leaf -> inclusion -> checkpoint -> quorum of
// docs/receipts.md), or fetches the receipts from a node and verifies each the same way, trusting
// nothing it says. Prints in Chinese or English (--lang, default from the locale) and can write a
// printable report (--report FILE.html or FILE.pdf).
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "common/encoding.h"
#include "ledger/receipt.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/file_hash.h"
#include "tools/cli/http_client.h"
#include "tools/cli/progress.h"
#include "tools/cli/verbs.h"
#include "tools/cli/verify_report.h"

namespace evchain::cli {
namespace {

constexpr const char* kVerifyVerb = "verify";

struct VerifyOptions {
  std::string file;
  std::string receipt;
  std::string node;
  std::string genesis;
  std::string lang;
  std::string report;
};

ReportEntry Verify(ledger::Receipt receipt, const genesis::Genesis& genesis, const Hash32& digest) {
  ReportEntry entry{std::move(receipt), {}};
  entry.verification = ledger::VerifyReceipt(entry.receipt, genesis, digest);
  return entry;
}

// `receipt_text`: the receipt file's bytes, read before the evidence file was hashed.
int VerifyOffline(const VerifyOptions& o, const std::string& receipt_text,
                  const genesis::Genesis& genesis, ReportInput& report) {
  std::cout << "verifying " << PrintableText(o.file) << " against " << PrintableText(o.receipt)
            << "\n";
  auto receipt = ledger::Receipt::FromJson(receipt_text);
  if (!receipt.ok()) {
    // docs/receipts.md: reading the receipt is the step "receipt", reported like the others,
    // in the report too (a report asked for is written whatever the verdict).
    ReportEntry entry;
    entry.verification.steps.push_back({"receipt", false, receipt.status().message()});
    PrintVerification(std::cout, report.lang, entry, genesis);
    report.entries.push_back(std::move(entry));
    return kExitFailed;
  }
  report.entries.push_back(Verify(std::move(*receipt), genesis, report.file_digest));
  return PrintVerification(std::cout, report.lang, report.entries.back(), genesis) ? kExitOk
                                                                                   : kExitFailed;
}

int VerifyFromNode(const VerifyOptions& o, const genesis::Genesis& genesis, ReportInput& report) {
  const Hash32& digest = report.file_digest;
  auto client = NodeClient::Create(o.node);
  if (!client.ok()) return Fail(kVerifyVerb, kExitUsage, client.status().message());
  auto json = (*client)->GetJson("/v1/evidence/" + ToHex(digest));
  // The node answers an unknown digest with 200 and an empty list (docs/api.md); a 404 is kept
  // for older nodes. Either way the judge gets a verdict, exit 1 (docs/cli.md "Exit codes").
  auto not_found = [&] {
    std::cout << "NOT FOUND: the node knows no deposit of digest " << ToHex(digest) << "\n";
    return kExitFailed;
  };
  if (!json.ok()) {
    if (json.status().code() == "http_404") return not_found();
    return Fail(kVerifyVerb, kExitIo, PrintableText(json.status().message()));
  }
  const auto& deposits = (*json)["deposits"];
  if (!deposits.is_array())
    return Fail(kVerifyVerb, kExitIo, "node answer has no \"deposits\" array");
  if (deposits.empty()) return not_found();
  int verified = 0;
  int failed = 0;
  for (const auto& deposit : deposits) {
    // The node's label, not yet checked: escaped (cli::PrintableText), as is all it sends.
    const std::string id = deposit.contains("evidence_id") && deposit["evidence_id"].is_string()
                               ? PrintableText(deposit["evidence_id"].get<std::string>())
                               : "?";
    if (!deposit.contains("receipt") || !deposit["receipt"].is_object()) {
      std::cout << "deposit " << id << ": pending (no receipt yet)\n";
      continue;
    }
    std::cout << "deposit " << id << ":\n";
    auto receipt = ledger::Receipt::FromJson(deposit["receipt"].dump());
    if (!receipt.ok()) {
      std::cout << "  [FAIL] receipt             " << PrintableText(receipt.status().message())
                << "\n";
      ReportEntry entry;
      entry.verification.steps.push_back({"receipt", false, receipt.status().message()});
      report.entries.push_back(std::move(entry));
      ++failed;
      continue;
    }
    report.entries.push_back(Verify(std::move(*receipt), genesis, digest));
    if (PrintVerification(std::cout, report.lang, report.entries.back(), genesis)) {
      ++verified;
    } else {
      ++failed;
    }
  }
  std::cout << verified << " receipt(s) verified, " << failed << " failed\n";
  return verified > 0 && failed == 0 ? kExitOk : kExitFailed;
}

int RunVerify(const VerifyOptions& o) {
  if (o.receipt.empty() == o.node.empty()) {
    return Fail(kVerifyVerb, kExitUsage, "give exactly one of --receipt R or --node URL");
  }
  auto genesis = LoadGenesis(o.genesis);
  if (!genesis.ok()) return FailGenesis(kVerifyVerb, genesis.status());
  // Whatever can fail without the file's digest fails before the file is hashed, which may
  // take an hour: a receipt that cannot be read, a PDF report without Chromium.
  std::string receipt_text;
  if (!o.receipt.empty()) {
    auto text = ReadFile(o.receipt);
    if (!text.ok()) return Fail(kVerifyVerb, kExitIo, text.status().message());
    receipt_text = std::move(text).value();
  }
  if (!o.report.empty()) {
    if (Status s = CheckReportWriter(o.report); !s.ok()) {
      return Fail(kVerifyVerb, kExitIo, s.message());
    }
  }
  std::error_code size_error;
  const uint64_t file_size = std::filesystem::file_size(o.file, size_error);
  Result<Hash32> digest = Status::Error("io", "");
  {
    // The bar deposit draws, on a terminal only; cleared before the checklist is printed.
    Progress progress("hashing", size_error ? 0 : file_size, Progress::Unit::kBytes);
    digest = HashFile(o.file, &progress);
  }
  if (!digest.ok()) return Fail(kVerifyVerb, kExitIo, digest.status().message());
  // The file's name is whatever its sender chose: escaped like all text from outside.
  std::cout << "file " << PrintableText(o.file) << " sha256 " << ToHex(*digest) << "\n";
  ReportInput report;
  report.lang = o.lang.empty() ? LanguageFromLocale() : o.lang;
  report.file_name = PrintableText(o.file);
  report.file_size = size_error ? 0 : file_size;
  report.file_digest = *digest;
  report.generated_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  const int code = o.node.empty() ? VerifyOffline(o, receipt_text, *genesis, report)
                                  : VerifyFromNode(o, *genesis, report);
  if (!o.report.empty()) {
    if (report.entries.empty()) {
      // Nothing to report on (no receipt listed, or the node could not be asked): said, so a
      // report of an earlier run under that name is not taken for this one's.
      std::cout << "no report written: there is no receipt to report on\n";
      return code;
    }
    if (Status s = WriteReport(o.report, RenderReportHtml(report, *genesis)); !s.ok()) {
      return Fail(kVerifyVerb, kExitIo, s.message());
    }
    std::cout << "report written to " << PrintableText(o.report) << "\n";
  }
  return code;
}

}  // namespace

void AddVerify(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<VerifyOptions>();
  auto* cmd =
      app.add_subcommand("verify", "Verify a file's deposit receipt (offline or via a node)");
  cmd->add_option("file", o->file, "The evidence file")->required();
  cmd->add_option("--receipt", o->receipt, "Receipt JSON (offline verification)");
  cmd->add_option("--node", o->node, "Fetch every receipt of the file's digest from this node");
  cmd->add_option("--genesis", o->genesis, "The chain's genesis file (the only trust anchor)")
      ->required();
  cmd->add_option("--lang", o->lang, "zh or en (default: from LC_ALL / LC_MESSAGES / LANG)")
      ->check(CLI::IsMember({"zh", "en"}));
  cmd->add_option("--report", o->report,
                  "Also write a printable A4 report: FILE.html, or FILE.pdf (headless Chromium)");
  cmd->footer(
      "Exit 0 only when every step passes; 1 names the failing step.\n\nExamples:\n"
      "  evchain verify photo.png --receipt photo.png.receipt.json --genesis genesis.json\n"
      "  evchain verify photo.png --node http://127.0.0.1:8081 --genesis genesis.json\n"
      "  evchain verify photo.png --receipt R --genesis G --lang zh --report report.pdf\n");
  cmd->callback([o, exit_code] { *exit_code = RunVerify(*o); });
}

}  // namespace evchain::cli
