# Runtime tests (rt_*): small workloads under 3po-run --tape / --policy, every policy at two
# local-memory sizes, against their untraced output (tests/integration/runtime.sh); exit code 77
# means the kernel lacks a feature the runtime needs (the script prints which).
set(RT_IT ${CMAKE_CURRENT_SOURCE_DIR}/integration)
set(RT_BIN ${CMAKE_BINARY_DIR}/bin)
function(rt_add name)
  add_test(NAME rt_${name} COMMAND ${RT_IT}/runtime.sh ${RT_BIN} ${ARGN})
  set_tests_properties(rt_${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS runtime)
endfunction()
rt_add(matmul matmul -n 256 -b 32)
rt_add(stencil stencil -n 384 -s 3)
# fft and lu record many more accesses: traced and run under ASan they take minutes, so the
# sanitizer build leaves them to the plain build
if(NOT TPO_SANITIZE)
  rt_add(fft fft -k 15)
  rt_add(lu lu -n 224)
endif()
add_test(NAME rt_program COMMAND ${RT_IT}/runtime_program.sh ${RT_BIN})
set_tests_properties(rt_program PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS runtime)
# fork under the runtime: the child gets its own copy of managed memory (runtime_fork.sh)
foreach(name fork_private fork_loop fork_threads fork_cost)
  add_executable(rtf_${name} runtime/${name}.c)
  target_link_libraries(rtf_${name} PRIVATE pthread)
  set_target_properties(rtf_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests-bin)
endforeach()
add_test(NAME rt_fork COMMAND ${RT_IT}/runtime_fork.sh ${RT_BIN} ${CMAKE_BINARY_DIR}/tests-bin)
set_tests_properties(rt_fork PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS runtime)
