#include "node/start_failure.h"

namespace evchain::node {

std::string StartFailureText(const Status& failure, const std::string& data_dir) {
  if (failure.code() != "corruption") return "cannot start: " + failure.ToString();
  return "cannot start: the data in " + data_dir + " is damaged (" + failure.ToString() +
         "): restore the data directory from a backup or a snapshot (evchain snapshot fetch "
         "gets one from the peers), whose restore marker keeps this validator from voting "
         "again on what it voted on; an empty data directory has no marker (docs/operations.md "
         "\"When the disk fails\", \"Restore\")";
}

}  // namespace evchain::node
