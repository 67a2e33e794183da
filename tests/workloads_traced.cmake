# Every workload's checksum is unchanged under 3po-run (wl_traced_*), with 1 and 2 threads.
# (Included after workloads.cmake, which defines wl_add_check.)
# wl_traced(NAME ...): wl_add_check with the program run under 3po-run (via WL_WRAPPER).
function(wl_traced name)
  wl_add_check(NAME ${name} ${ARGN})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "WL_WRAPPER=$<TARGET_FILE:3po-run> -q -o /dev/null --")
endfunction()
wl_traced(wl_traced_matmul REF matmul PROG matmul THREADS 1,2 ARGS -n 24 --seed 3)
wl_traced(wl_traced_matmul_blocked REF matmul PROG matmul THREADS 1,2 ARGS -n 29 -b 8 --seed 3)
wl_traced(wl_traced_matvec REF matvec PROG matvec THREADS 1,2 ARGS -n 40 -r 3 --seed 4)
wl_traced(wl_traced_dot REF dot PROG dot THREADS 1,2 ARGS -n 10000 -r 2 --seed 5)
wl_traced(wl_traced_spmv REF spmv PROG spmv THREADS 1,2
             ARGS -n 300 -d 7 -r 3 --seed 6 --structure-seed 60)
wl_traced(wl_traced_bitonic REF bitonic PROG bitonic THREADS 1,2 ARGS -k 12 --seed 18)
wl_traced(wl_traced_fft REF fft PROG fft THREADS 1,2 ARGS -k 9 --seed 7)
wl_traced(wl_traced_stencil REF stencil PROG stencil THREADS 1,2 ARGS -n 33 -s 6 --seed 8)
wl_traced(wl_traced_lu REF lu PROG lu THREADS 1,2 ARGS -n 24 --seed 9)
wl_traced(wl_traced_quicksort REF quicksort PROG quicksort THREADS 1,2 ARGS -n 20000 --seed 10)
wl_traced(wl_traced_hashjoin REF hashjoin PROG hashjoin THREADS 1,2 ARGS -b 2000 -p 5000 --seed 11)
# The Python interpreter touches thousands of pages all the time: a large microset keeps it quick.
wl_add_check(NAME wl_traced_numpy_matmul REF numpy_matmul PROG ${CMAKE_BINARY_DIR}/bin/numpy_matmul.py
             THREADS 1 ARGS -n 17 --seed 12)
set_tests_properties(wl_traced_numpy_matmul PROPERTIES
  ENVIRONMENT "WL_WRAPPER=$<TARGET_FILE:3po-run> -q --microset 1024 -o /dev/null --")
