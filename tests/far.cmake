# Far memory tests: Check unit tests of the local store and of the tcp:// client against the
# real 3po-memserver (its path in $TPO_MEMSERVER), and 3po-memserver's command line.
tpo_unit_test(test_far ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_far.c)
target_link_libraries(test_far PRIVATE tpo_far)
add_dependencies(test_far 3po-memserver)
set_tests_properties(test_far PROPERTIES TIMEOUT 300
  ENVIRONMENT "TPO_MEMSERVER=$<TARGET_FILE:3po-memserver>")
add_test(NAME far_memserver_cli
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/memserver_cli.sh $<TARGET_FILE:3po-memserver>)
set_tests_properties(far_memserver_cli PROPERTIES TIMEOUT 60)
add_test(NAME far_memserver_emfile
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/memserver_emfile.py $<TARGET_FILE:3po-memserver>)
set_tests_properties(far_memserver_emfile PROPERTIES TIMEOUT 60)
# The file:PATH backend on a real file under $TMPDIR.
tpo_unit_test(test_far_file ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_far_file.c)
target_link_libraries(test_far_file PRIVATE tpo_far)
set_tests_properties(test_far_file PROPERTIES TIMEOUT 300)
# The memcached:// backend against real memcached servers the test starts on free loopback ports
# (the memcached found at configure; scripts/setup.sh installs it).
tpo_unit_test(test_far_memcached ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_far_memcached.c)
target_link_libraries(test_far_memcached PRIVATE tpo_far)
set_tests_properties(test_far_memcached PROPERTIES TIMEOUT 300 ENVIRONMENT "TPO_MEMCACHED=${TPO_MEMCACHED}")
# The runtime on the real far stores under every policy (far_backends.sh), and their failures
# mid-run (far_faults.sh): both start their own memcached servers.
set(FAR_IT ${CMAKE_CURRENT_SOURCE_DIR}/integration)
foreach(w "matmul;-n;256;-b;32" "stencil;-n;384;-s;3")
  list(GET w 0 wname)
  add_test(NAME far_backends_${wname} COMMAND ${FAR_IT}/far_backends.sh ${CMAKE_BINARY_DIR}/bin ${TPO_MEMCACHED} ${w})
  set_tests_properties(far_backends_${wname} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS runtime)
endforeach()
add_test(NAME far_faults COMMAND ${FAR_IT}/far_faults.sh ${CMAKE_BINARY_DIR}/bin ${TPO_MEMCACHED})
set_tests_properties(far_faults PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS runtime)
# The benchmark of the far stores runs (tiny: 256 pages, one round) and prints a row for each.
add_test(NAME far_bench_smoke COMMAND bash -c "out=$(${PROJECT_SOURCE_DIR}/scripts/bench/far.sh -b ${CMAKE_BINARY_DIR} -d ${CMAKE_BINARY_DIR} -n 256 -r 1) || exit 1; echo \"$out\"; [ $(grep -c '^[a-z3].*[0-9]$' <<<\"$out\") = 6 ]")
set_tests_properties(far_bench_smoke PROPERTIES TIMEOUT 120)
