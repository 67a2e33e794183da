# Workload tests (wl_*): each workload at a small size, its checksum compared with an independent
# pure-Python reference (tests/workloads/ref_NAME.py), for threads 1, 2 and 4; plus the command
# line (-h, bad arguments) of each.
#
# wl_add_check(NAME test REF ref PROG program [THREADS 1,2,4] [WRAPPER word...] ARGS arg...)
#   PROG is a workload target name or a path; WRAPPER words prefix the program's command line
#   (e.g. WRAPPER $<TARGET_FILE:3po-run> --), to check that a checksum survives a wrapper.
find_program(TPO_WL_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT TPO_WL_PYTHON)
  find_program(TPO_WL_PYTHON NAMES python3 REQUIRED)
endif()
set(TPO_WL_TEST_DIR ${CMAKE_CURRENT_LIST_DIR}/workloads)

function(wl_add_check)
  cmake_parse_arguments(W "" "NAME;REF;PROG;THREADS" "ARGS;WRAPPER" ${ARGN})
  if(TARGET ${W_PROG})
    set(prog $<TARGET_FILE:${W_PROG}>)
  else()
    set(prog ${W_PROG})
  endif()
  set(cmd ${TPO_WL_PYTHON} ${TPO_WL_TEST_DIR}/wl_check.py --ref ${W_REF})
  if(W_THREADS)
    list(APPEND cmd --threads ${W_THREADS})
  endif()
  foreach(word IN LISTS W_WRAPPER)
    list(APPEND cmd --wrap=${word})
  endforeach()
  add_test(NAME ${W_NAME} COMMAND ${cmd} -- ${prog} ${W_ARGS})
  set_tests_properties(${W_NAME} PROPERTIES LABELS workloads TIMEOUT 120)
endfunction()

set(T 1,2,4)
wl_add_check(NAME wl_matmul_naive REF matmul PROG matmul THREADS ${T} ARGS -n 24 --seed 3)
wl_add_check(NAME wl_matmul_blocked REF matmul PROG matmul THREADS ${T} ARGS -n 29 -b 8 --seed 3)
wl_add_check(NAME wl_matvec REF matvec PROG matvec THREADS ${T} ARGS -n 40 -r 3 --seed 4)
wl_add_check(NAME wl_dot REF dot PROG dot THREADS ${T} ARGS -n 10000 -r 2 --seed 5)
wl_add_check(NAME wl_spmv REF spmv PROG spmv THREADS ${T}
             ARGS -n 300 -d 7 -r 3 --seed 6 --structure-seed 60)
wl_add_check(NAME wl_bitonic REF bitonic PROG bitonic THREADS ${T}
             ARGS -k 12 --seed 18446744073709551615)
wl_add_check(NAME wl_fft REF fft PROG fft THREADS ${T} ARGS -k 9 --seed 7)
wl_add_check(NAME wl_stencil REF stencil PROG stencil THREADS ${T} ARGS -n 33 -s 6 --seed 8)
wl_add_check(NAME wl_lu REF lu PROG lu THREADS ${T} ARGS -n 24 --seed 9)
wl_add_check(NAME wl_quicksort REF quicksort PROG quicksort THREADS ${T} ARGS -n 20000 --seed 10)
wl_add_check(NAME wl_hashjoin REF hashjoin PROG hashjoin THREADS ${T}
             ARGS -b 2000 -p 5000 --seed 11)
wl_add_check(NAME wl_numpy_matmul REF numpy_matmul PROG ${CMAKE_BINARY_DIR}/bin/numpy_matmul.py
             THREADS 1,2 ARGS -n 17 --seed 12)

foreach(prog IN LISTS TPO_WORKLOAD_NAMES)
  add_test(NAME wl_args_${prog} COMMAND ${TPO_WL_TEST_DIR}/wl_args.sh $<TARGET_FILE:${prog}>)
  set_tests_properties(wl_args_${prog} PROPERTIES LABELS workloads)
endforeach()
add_test(NAME wl_args_numpy_matmul
         COMMAND ${TPO_WL_TEST_DIR}/wl_args.sh ${CMAKE_BINARY_DIR}/bin/numpy_matmul.py)
set_tests_properties(wl_args_numpy_matmul PROPERTIES LABELS workloads)
