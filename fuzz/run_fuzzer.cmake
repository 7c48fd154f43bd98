# ctest driver for one fuzz target: runs FUZZER for SECONDS from the committed seed corpus CORPUS
# without writing into the source tree. New inputs go to a fresh WORK/new (libFuzzer writes to
# its first corpus directory only), which is removed afterwards; a crashing input is kept as
# WORK/crash-* so a failed run can be reproduced with `FUZZER WORK/crash-<sha1>`.
# Usage: cmake -DFUZZER=... -DCORPUS=... -DWORK=... -DSECONDS=20 -P run_fuzzer.cmake
foreach(var FUZZER CORPUS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}=... missing")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK}/new)
file(MAKE_DIRECTORY ${WORK}/new)
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix=${WORK}/ ${WORK}/new ${CORPUS}
  RESULT_VARIABLE rc)
file(REMOVE_RECURSE ${WORK}/new)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); the crashing input is in ${WORK}/")
endif()
