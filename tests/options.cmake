# Tests of 3po-run's options by their effects seen from outside (tests/integration/
# trace_options.sh, runtime_options.sh), with deny_personality: a command run with personality(2)
# refused by a seccomp filter, as a container's profile does.
add_executable(deny_personality ${CMAKE_CURRENT_SOURCE_DIR}/tools/deny_personality.c)
set_target_properties(deny_personality PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests-bin)
add_test(NAME tracer_options COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/trace_options.sh
         ${CMAKE_BINARY_DIR}/bin ${CMAKE_BINARY_DIR}/tests-bin)
add_test(NAME rt_options COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/runtime_options.sh
         ${CMAKE_BINARY_DIR}/bin ${CMAKE_BINARY_DIR}/tests-bin)
set_tests_properties(tracer_options rt_options PROPERTIES TIMEOUT 300)
set_tests_properties(rt_options PROPERTIES SKIP_RETURN_CODE 77 LABELS runtime)
# Check unit tests of 3po-run's option table, which both its modes and the choice between them read.
tpo_unit_test(test_run_options ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_run_options.c ${PROJECT_SOURCE_DIR}/src/cmd/run_options.c)
target_include_directories(test_run_options PRIVATE ${PROJECT_SOURCE_DIR}/src/cmd)
target_link_libraries(test_run_options PRIVATE PkgConfig::GLIB)
