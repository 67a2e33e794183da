# Tests of what is installed (cmake/install.cmake): the public API of libtpo read back through the
# shared library, the man pages in step with --help, and a real install with a consumer of tpo.pc.
tpo_unit_test(test_api ${CMAKE_CURRENT_LIST_DIR}/unit/test_api.c)
target_link_libraries(test_api PRIVATE tpo_api tpo_tape)
target_compile_definitions(test_api PRIVATE TPO_TEST_VERSION="${PROJECT_VERSION}")

add_test(NAME man_in_step COMMAND ${CMAKE_CURRENT_LIST_DIR}/install/man_in_step.sh
         ${CMAKE_BINARY_DIR}/bin ${CMAKE_BINARY_DIR}/man)
# the consumer is built with the sanitizer flags when libtpo has them
set(TPO_CONSUMER_CFLAGS "")
if(TPO_SANITIZE)
  set(TPO_CONSUMER_CFLAGS "-fsanitize=address,undefined -fno-sanitize-recover=all")
endif()
add_test(NAME install COMMAND ${CMAKE_CURRENT_LIST_DIR}/install/install.sh
         ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR} $<TARGET_FILE:matmul> "${TPO_CONSUMER_CFLAGS}")
set_tests_properties(install PROPERTIES TIMEOUT 300)
