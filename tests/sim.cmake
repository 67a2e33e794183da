# Tests of the tape simulator: policies on hand-worked sequences, the one-pass LRU miss-ratio
# curve, the tape format and replay, unit parsing, and the 3po-sim / 3po-convert commands;
# on real traces: 3po-sim against textbook LRU and MIN, 3po-dump on tapes, plots, and a tape
# replayed on another run of an oblivious and of a data-dependent program.
foreach(t policies mrc tape units)
  tpo_unit_test(sim_${t} sim/${t}.c)
  target_link_libraries(sim_${t} PRIVATE tpo_tape tpo_container)
  target_include_directories(sim_${t} PRIVATE ${PROJECT_SOURCE_DIR}/tape) # the tape's own headers
endforeach()
add_test(NAME sim_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sim/cli.sh $<TARGET_FILE_DIR:3po-sim>)
add_test(NAME sim_real_trace
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sim/real_trace.sh $<TARGET_FILE_DIR:3po-sim>)
add_test(NAME sim_oblivious
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sim/oblivious.sh $<TARGET_FILE_DIR:3po-sim>)
set_tests_properties(sim_real_trace sim_oblivious PROPERTIES TIMEOUT 300)
set_tests_properties(sim_oblivious PROPERTIES SKIP_RETURN_CODE 77)
