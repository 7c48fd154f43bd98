# Fails the build when a source of a pure module reaches for I/O, threads, clocks or randomness
# (consensus/: docs/protocol.md, "a pure deterministic state machine"). The include paths already
# keep out the headers of node/, storage/, api/ and the tools (consensus does not link them);
# system headers cannot be hidden that way, hence this check.
# Usage: cmake -DSTAMP=file -DSOURCES="a.cc;b.h" -P check_pure.cmake
set(forbidden_includes
  "boost/" "leveldb/" "httplib.h" "spdlog/" "sodium" "openssl/" "cryptopp/" "sys/" "unistd.h"
  "fcntl.h" "thread" "mutex" "shared_mutex" "condition_variable" "future" "atomic" "chrono"
  "ctime" "random" "fstream" "filesystem" "iostream" "csignal" "pthread" "common/thread_name")
set(forbidden_names LoadGenesisFile system_clock steady_clock high_resolution_clock
  "std::thread" "std::this_thread" "std::async" fopen getenv "std::rand" "std::random_device")
set(problems "")
foreach(source ${SOURCES})
  file(STRINGS ${source} lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
      set(header ${CMAKE_MATCH_1})
      foreach(bad ${forbidden_includes})
        string(FIND "${header}" "${bad}" at)
        if(at EQUAL 0)
          string(APPEND problems "\n  ${source}:${n}: #include of ${header}")
        endif()
      endforeach()
    endif()
    string(REGEX REPLACE "//.*" "" code "${line}")
    foreach(bad ${forbidden_names})
      string(FIND "${code}" "${bad}" at)
      if(NOT at EQUAL -1)
        string(APPEND problems "\n  ${source}:${n}: uses ${bad}")
      endif()
    endforeach()
  endforeach()
endforeach()
if(problems)
  message(FATAL_ERROR "I/O, threads, clocks or randomness in a pure module:${problems}")
endif()
file(TOUCH ${STAMP})
