# The libFuzzer targets of the trace and tape readers (tests/fuzz/), linked with the codec and
# tape libraries. Only with -DTPO_FUZZ=ON, in the clang build scripts/fuzz.sh configures (it
# compiles everything with -fsanitize=fuzzer-no-link,address,undefined).
option(TPO_FUZZ "Define the libFuzzer targets (clang only; see scripts/fuzz.sh)" OFF)
if(TPO_FUZZ)
  foreach(name fuzz_trace_reader fuzz_tape_reader)
    add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${name}.c)
    # the codecs' private headers (trace_codec.h, tape_codec.h): the targets check their limits
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src/trace ${PROJECT_SOURCE_DIR}/tape)
    target_link_libraries(${name} PRIVATE tpo_tape tpo_trace tpo_container)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  endforeach()
endif()
