#pragma once

namespace evchain::crypto {

// Initialises libsodium exactly once (thread-safe). Every crypto entry point calls it; calling it
// again is free. Aborts the process if libsodium cannot initialise (no safe way to continue).
void EnsureSodium();

}  // namespace evchain::crypto
