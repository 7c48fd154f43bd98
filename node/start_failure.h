// The line evchain-node logs when its validator cannot start: for damaged stored data (a
// "corruption" status from storage/), which data directory and what to do about it, since the
// storage message alone ("Corruption: block checksum mismatch") names neither.
#pragma once

#include <string>

#include "common/status.h"

namespace evchain::node {

// `failure`: what Validator::Open or Start returned; `data_dir`: the config's data_dir.
std::string StartFailureText(const Status& failure, const std::string& data_dir);

}  // namespace evchain::node
