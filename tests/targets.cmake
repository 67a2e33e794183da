# The target corpus (tests/targets/): small programs, one per hazard, each run untraced, under
# 3po-run, and attached-then-detached mid-run; output and exit status must match all three ways.
file(GLOB TPO_TARGETS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/targets/*.c)
foreach(src ${TPO_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(tg_${name} ${src})
  target_compile_options(tg_${name} PRIVATE -O1)
  target_link_libraries(tg_${name} PRIVATE pthread)
  set_target_properties(tg_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests-bin)
  add_test(NAME target_${name} COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/three_ways.sh
           ${CMAKE_BINARY_DIR}/bin ${CMAKE_BINARY_DIR}/tests-bin/tg_${name})
  set_tests_properties(target_${name} PROPERTIES TIMEOUT 300)
endforeach()
