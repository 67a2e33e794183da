# Runtime tests (rt_*): small workloads under 3po-run --tape / --policy, every policy at two
# local-memory sizes, against their untraced output (tests/integration/runtime.sh); exit code 77
# means the kernel lacks a feature the runtime needs (tests/runtime/kernel_probe.c names it).
set(RT_IT ${CMAKE_CURRENT_SOURCE_DIR}/integration)
set(RT_BIN ${CMAKE_BINARY_DIR}/bin)
# helpers: the kernel-feature probe that alone may make these tests skip, and the sampler of
# residency as the kernel sees it (tests/runtime/)
foreach(helper kernel_probe residency)
  add_executable(rt_${helper} ${CMAKE_CURRENT_SOURCE_DIR}/runtime/${helper}.c)
  set_target_properties(rt_${helper} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests-bin)
endforeach()
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
# run as nobody, where the runtime fails for want of privilege (not of a kernel feature), the
# runtime tests must fail rather than skip
add_test(NAME rt_no_false_skip COMMAND ${RT_IT}/runtime_no_false_skip.sh ${RT_BIN})
set_tests_properties(rt_no_false_skip PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS runtime)
# the prefetching policies prefetch: used prefetches, fewer demand faults than demand paging and
# about as many faults as 3po-sim predicts, on sequential workloads
foreach(w "dot;-n;262144;-r;2" "matvec;-n;512;-r;2")
  list(GET w 0 wname)
  add_test(NAME rt_prefetch_${wname} COMMAND ${RT_IT}/runtime_prefetch.sh ${RT_BIN} ${w})
  set_tests_properties(rt_prefetch_${wname} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS runtime)
endforeach()
# fork under the runtime: the child gets its own copy of managed memory (runtime_fork.sh)
foreach(name fork_private fork_loop fork_threads fork_cost fork_later)
  add_executable(rtf_${name} runtime/${name}.c)
  target_link_libraries(rtf_${name} PRIVATE pthread)
  set_target_properties(rtf_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests-bin)
endforeach()
add_test(NAME rt_fork COMMAND ${RT_IT}/runtime_fork.sh ${RT_BIN} ${CMAKE_BINARY_DIR}/tests-bin)
set_tests_properties(rt_fork PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS runtime)
# Python programs that fork, under a tape made from their trace (runtime_fork_tape_py.sh)
add_test(NAME rt_fork_tape_py COMMAND ${RT_IT}/runtime_fork_tape_py.sh ${RT_BIN})
set_tests_properties(rt_fork_tape_py PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900 LABELS runtime)
# the kernel's cost per page of a pager's operations (scripts/bench/uffd_cost.c) is measured and
# printed, every floor line with a positive figure (tests/integration/uffd_cost.sh)
add_test(NAME rt_uffd_cost COMMAND ${RT_IT}/uffd_cost.sh ${RT_BIN})
set_tests_properties(rt_uffd_cost PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS runtime)
