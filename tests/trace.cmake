# Tests of the .3pt trace library and 3po-dump: Check unit tests of the codec, and 3po-dump run
# on traces written by a small generator (good, truncated, corrupted, not a trace).
tpo_unit_test(test_trace_codec ${CMAKE_CURRENT_LIST_DIR}/unit/test_trace_codec.c)
target_link_libraries(test_trace_codec PRIVATE tpo_trace tpo_container)
set_tests_properties(test_trace_codec PROPERTIES TIMEOUT 600)
tpo_unit_test(test_symbols ${CMAKE_CURRENT_LIST_DIR}/unit/test_symbols.c)
target_link_libraries(test_symbols PRIVATE tpo_symbols)

add_executable(gen_trace ${CMAKE_CURRENT_LIST_DIR}/unit/gen_trace.c)
target_link_libraries(gen_trace PRIVATE tpo_trace)
tpo_sanitize(gen_trace)

add_test(NAME test_trace_3po_dump
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/unit/test_3po_dump.sh $<TARGET_FILE:3po-dump>
          $<TARGET_FILE:gen_trace> ${CMAKE_CURRENT_BINARY_DIR}/trace-dump-test)
