// The doctest main of every <module>_tests executable. One rule beyond doctest's own: a run
// asked for test cases by name or by file (ctest runs each case as `--test-case=<name>`, and in
// the sanitizer build each file as `--source-file=<path>`) that finds none fails. Otherwise a
// name ctest cannot carry whole (a ';' splits it, as a CMake list), or a file's path that no
// longer matches, runs nothing and passes.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string_view>

namespace {

unsigned g_cases_run = 0;

// Counts the test cases that passed the filters.
struct CaseCounter : doctest::IReporter {
  explicit CaseCounter(const doctest::ContextOptions& /*options*/) {}
  void report_query(const doctest::QueryData& /*data*/) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_cases_run = stats.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData& /*data*/) override {}
  void test_case_reenter(const doctest::TestCaseData& /*data*/) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& /*stats*/) override {}
  void test_case_exception(const doctest::TestCaseException& /*e*/) override {}
  void subcase_start(const doctest::SubcaseSignature& /*signature*/) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData& /*data*/) override {}
  void log_message(const doctest::MessageData& /*data*/) override {}
  void test_case_skipped(const doctest::TestCaseData& /*data*/) override {}
};

REGISTER_LISTENER("case_counter", 1, CaseCounter);

bool NamesTestCases(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.starts_with("--test-case=") || arg.starts_with("-tc=") ||
        arg.starts_with("--source-file=") || arg.starts_with("-sf=")) {
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit()) return result;
  if (result == 0 && g_cases_run == 0 && NamesTestCases(argc, argv)) {
    std::fprintf(stderr,
                 "no test case matches the name or file given: a ctest entry that runs nothing "
                 "(a ';' in a TEST_CASE name is a CMake list separator; a file renamed?)\n");
    return 1;
  }
  return result;
}
