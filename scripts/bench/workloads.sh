#!/usr/bin/env bash
# workloads.sh — sourced by the benchmarks (replicate.sh, disk.sh): the one table of the oblivious
# workloads, their arguments and the microset each is traced with. bench_workloads SET fills the
# global associative arrays args[NAME] and microset[NAME] (64 where unset) for SET (small or
# large); it returns 1 for any other SET.
# Workloads and their benchmark sizes, and the microset each is traced with: 64, the tracer's
# default, except matmul, whose three blocks of 64 rows thrash a smaller microset (tracing it then
# takes minutes instead of seconds): 256 at n = 1024 (192 pages), 2048 at n = 3456 (1296 pages).
# The runtime's --settle is the same number (the tape records it), and tapes are made for the
# local memory less lookahead and it.
# small (-S small, the default): footprints of 8-32 MiB, all-local in well under a second.
# large (-S large): footprints of 256-512 MiB (fft 384 MiB; lu 200 MiB, the largest that should
# compute in under ~20 s), as in the paper (0.4-4 GiB); tracing them takes minutes each.
# All-local on the 2026-11-29 host (shared, so upper bounds): matvec 1.5 s, dot 0.9 s, spmv
# 0.6 s, fft 4.4 s, stencil 4.4 s, bitonic 20.7 s; matmul and lu not timed (estimated 16-17 s).
bench_workloads() {
  declare -gA args microset
  case $1 in
    small)
      args=(
        [matmul]="-n 1024 -b 64"
        [matvec]="-n 2048 -r 16"
        [dot]="-n 2097152 -r 16"
        [spmv]="-n 262144 -d 8 -r 2"
        [fft]="-k 19"
        [stencil]="-n 1024 -s 16"
        [lu]="-n 1024"
        [bitonic]="-k 21"
      )
      microset=([matmul]=256) ;;
    large)
      args=(
        [matmul]="-n 3456 -b 64"
        [matvec]="-n 8192 -r 16"
        [dot]="-n 33554432 -r 16"
        [spmv]="-n 4194304 -d 8 -r 2"
        [fft]="-k 24"
        [stencil]="-n 4096 -s 16"
        [lu]="-n 5120"
        [bitonic]="-k 25"
      )
      microset=([matmul]=2048) ;;
    *) return 1 ;;
  esac
}
