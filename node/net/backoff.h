// Reconnect delays: exponential backoff with "equal jitter", capped.
#pragma once

#include <chrono>

namespace evchain::net {

// Delay before reconnect attempt number `attempt` (0 = first retry after a loss):
// d = min(cap, initial * 2^attempt); returns d/2 + unit * d/2, so it lies in [d/2, d].
// `unit` is a jitter sample in [0, 1) (values outside are clamped), so that validators that lost
// each other at the same moment do not redial in lockstep.
std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds cap, double unit);

}  // namespace evchain::net
