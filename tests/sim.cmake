# Tests of the tape simulator: policies on hand-worked sequences, the one-pass LRU miss-ratio
# curve, the tape format and replay, unit parsing, and the 3po-sim / 3po-convert commands.
foreach(t policies mrc tape units)
  tpo_unit_test(sim_${t} sim/${t}.c)
  target_link_libraries(sim_${t} PRIVATE tpo_tape)
endforeach()
add_test(NAME sim_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sim/cli.sh $<TARGET_FILE_DIR:3po-sim>)
