// The audit re-hashes the whole log in one streaming pass with crypto::MerkleFrontier (the one
// implementation of the right edge of an RFC 9162 tree); this name keeps the CLI's spelling.
#pragma once

#include "crypto/merkle.h"

namespace evchain::cli {

using MerkleFrontier = crypto::MerkleFrontier;

}  // namespace evchain::cli
