# Golden files (tests/golden/): one trace and tape of every format version, read back by this
# build's 3po-dump and compared with the dump main's code made of each; and make_golden, which
# writes the same content with this build's writers (the trace must come out byte for byte the
# same, the tape as the committed version 3 file).
add_executable(make_golden ${CMAKE_CURRENT_LIST_DIR}/golden/make_golden.c)
target_link_libraries(make_golden PRIVATE tpo_tape tpo_trace)
tpo_sanitize(make_golden)
add_test(NAME golden_formats
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/golden/golden.sh $<TARGET_FILE:3po-dump>
          $<TARGET_FILE:make_golden> ${CMAKE_CURRENT_BINARY_DIR}/golden-test)
