# install.cmake: what `cmake --install` puts where (GNUInstallDirs): the 3po-* commands; libtpo,
# the shared library of the public API for reading traces and tapes (src/api/), with its header
# and tpo.pc; a man page and a bash completion for every command, both made at build time from
# the command's --help by scripts/help2doc.py (with docs/man/NAME.txt for the page's prose).
include(GNUInstallDirs)
add_subdirectory(src/api)

# The commands a user runs (tests/install/install.sh checks that every 3po-* built is here).
set(TPO_INSTALLED_COMMANDS 3po-run 3po-attach 3po-dump 3po-sim 3po-convert 3po-memserver)
install(TARGETS ${TPO_INSTALLED_COMMANDS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS tpo_api
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tpo)

# Man pages and completions, one of each per command, remade when the command or its prose changes.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(TPO_HELP2DOC ${PROJECT_SOURCE_DIR}/scripts/help2doc.py)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/man/man1 ${CMAKE_BINARY_DIR}/completions)
set(TPO_DOC_FILES)
foreach(cmd ${TPO_INSTALLED_COMMANDS})
  set(page ${CMAKE_BINARY_DIR}/man/man1/${cmd}.1)
  set(compl ${CMAKE_BINARY_DIR}/completions/${cmd})
  add_custom_command(OUTPUT ${page}
    COMMAND Python3::Interpreter ${TPO_HELP2DOC} man $<TARGET_FILE:${cmd}>
            ${PROJECT_SOURCE_DIR}/docs/man/${cmd}.txt ${PROJECT_VERSION} ${page}
    DEPENDS ${cmd} ${TPO_HELP2DOC} ${PROJECT_SOURCE_DIR}/docs/man/${cmd}.txt
    COMMENT "Man page ${cmd}.1 from ${cmd} --help")
  add_custom_command(OUTPUT ${compl}
    COMMAND Python3::Interpreter ${TPO_HELP2DOC} completion $<TARGET_FILE:${cmd}> ${compl}
    DEPENDS ${cmd} ${TPO_HELP2DOC}
    COMMENT "Bash completion of ${cmd} from ${cmd} --help")
  list(APPEND TPO_DOC_FILES ${page} ${compl})
  install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  install(FILES ${compl} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
endforeach()
add_custom_target(tpo_docs ALL DEPENDS ${TPO_DOC_FILES})

# tpo.pc names the prefix given at install time (cmake --install --prefix P), so it is written
# then, into the build tree, and installed from there.
install(CODE "
  set(TPO_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(TPO_PC_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(TPO_PC_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(TPO_PC_VERSION \"${PROJECT_VERSION}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/cmake/tpo.pc.in\" \"${CMAKE_BINARY_DIR}/tpo.pc\" @ONLY)")
install(FILES ${CMAKE_BINARY_DIR}/tpo.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
