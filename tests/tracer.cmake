# Tracer tests: the hazard programs of DESIGN.md run untraced and under 3po-run (output and exit
# status must match), the exact page sequence, matmul, and the command line.
set(HZ ${CMAKE_CURRENT_SOURCE_DIR}/hazards)
set(IT ${CMAKE_CURRENT_SOURCE_DIR}/integration)
foreach(name sys_buffers own_memory own_segv crash signals threads fork_exec altstack page_sequence long_runner
             detach_churn map_count fill_trace sys_pages)
  add_executable(hz_${name} ${HZ}/${name}.c)
  target_compile_options(hz_${name} PRIVATE -O1)
  target_link_libraries(hz_${name} PRIVATE pthread)
  set_target_properties(hz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests-bin)
endforeach()

set(BIN ${CMAKE_BINARY_DIR}/bin)
set(TB ${CMAKE_BINARY_DIR}/tests-bin)
# tpo_hazard(NAME PROG ARGS...): untraced vs traced, with the default microset and with 1.
function(tpo_hazard name)
  add_test(NAME hazard_${name} COMMAND ${IT}/compare.sh ${BIN} -- ${ARGN})
  add_test(NAME hazard_${name}_m1 COMMAND ${IT}/compare.sh ${BIN} --microset 1 -- ${ARGN})
endfunction()
tpo_hazard(sys_buffers ${TB}/hz_sys_buffers)
tpo_hazard(own_memory ${TB}/hz_own_memory)
tpo_hazard(own_segv ${TB}/hz_own_segv)
tpo_hazard(crash ${TB}/hz_crash)
tpo_hazard(signals ${TB}/hz_signals)
tpo_hazard(signals_sigterm ${TB}/hz_signals die)
tpo_hazard(threads ${TB}/hz_threads)
tpo_hazard(fork_exec ${TB}/hz_fork_exec)
tpo_hazard(altstack ${TB}/hz_altstack)
tpo_hazard(abort ${TB}/hz_altstack abort)
tpo_hazard(shell_pipeline /bin/sh -c "seq 1 2000 | sort -r | head -3; ls / >/dev/null")
add_test(NAME hazard_matmul_threads COMMAND ${IT}/compare.sh ${BIN} -- ${BIN}/matmul -n 128 -t 3)
add_test(NAME hazard_matmul_threads_m1 COMMAND ${IT}/compare.sh ${BIN} --microset 1 -- ${BIN}/matmul -n 32 -t 3)
foreach(n 1 2 4)
  add_test(NAME tracer_page_sequence_m${n} COMMAND ${IT}/page_sequence.sh ${BIN} ${TB}/hz_page_sequence ${n})
endforeach()
foreach(n 1 64)
  add_test(NAME tracer_sys_pages_m${n} COMMAND ${IT}/sys_pages.sh ${BIN} ${TB}/hz_sys_pages ${n})
endforeach()
add_test(NAME tracer_matmul COMMAND ${IT}/matmul_trace.sh ${BIN} -n 256)
add_test(NAME tracer_cli COMMAND ${IT}/cli.sh ${BIN})
add_test(NAME tracer_attach COMMAND ${IT}/attach.sh ${BIN} ${TB}/hz_long_runner)
add_test(NAME tracer_attach_churn COMMAND ${IT}/attach_churn.sh ${BIN} ${TB}/hz_detach_churn syscalls)
add_test(NAME tracer_attach_churn_faults COMMAND ${IT}/attach_churn.sh ${BIN} ${TB}/hz_detach_churn faults)
add_test(NAME tracer_interrupt COMMAND ${IT}/interrupt.sh ${BIN} ${TB}/hz_long_runner)
add_test(NAME tracer_top COMMAND ${IT}/top.sh ${BIN})
add_test(NAME tracer_trace_write COMMAND ${IT}/trace_write.sh ${BIN} ${TB}/hz_fill_trace ${TB}/hz_long_runner)
set_tests_properties(tracer_trace_write PROPERTIES SKIP_RETURN_CODE 77)


# Check unit tests of the tracer's internals (its private headers in src/tracer/), of the
# injection library and of the launcher.
foreach(t regions microset cpuload)
  tpo_unit_test(test_${t} ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_${t}.c)
  target_include_directories(test_${t} PRIVATE ${PROJECT_SOURCE_DIR}/src/tracer)
  target_link_libraries(test_${t} PRIVATE tpo_tracer tpo_inject tpo_launch)
endforeach()
# The system-call table (src/tracer/sysbufs.c) against the kernel's types and hand-worked ranges.
tpo_unit_test(test_sysbufs ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_sysbufs.c
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_sysbufs_uapi.c)
target_include_directories(test_sysbufs PRIVATE ${PROJECT_SOURCE_DIR}/src/tracer)
target_link_libraries(test_sysbufs PRIVATE tpo_tracer tpo_inject)
# Reaching the limit means 65,000 region-table insertions: 15-35 s here, over 100 s under ASan
# (its memmove), so the sanitizer build leaves this one to the plain build, as it does rt_fft.
if(NOT TPO_SANITIZE)
  add_test(NAME tracer_map_limit COMMAND ${IT}/map_limit.sh ${BIN} ${TB}/hz_map_count)
  set_tests_properties(tracer_map_limit PROPERTIES TIMEOUT 300)
endif()
add_test(NAME tracer_attach_sigkill COMMAND ${IT}/attach_sigkill.sh ${BIN} ${TB}/hz_long_runner)
set_tests_properties(tracer_attach_sigkill PROPERTIES TIMEOUT 120)
