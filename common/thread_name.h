// Names threads as the operating system shows them (`top -H`, `ps -L -o tid,comm`, `perf report
// --sort comm`, gdb), so an operator can tell the HTTP front end from the signature checkers in a
// busy validator (docs/operations.md "Threads"). Not for consensus/: a pure module has no threads.
#pragma once

#include <string>
#include <string_view>

namespace evchain {

// Names the calling thread. Linux keeps 15 bytes: a longer name is cut there. Best effort: a
// failure changes nothing but the name shown.
void SetCurrentThreadName(std::string_view name);

// The calling thread's name as the operating system shows it ("" if it cannot be read).
std::string CurrentThreadName();

}  // namespace evchain
