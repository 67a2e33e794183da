#!/usr/bin/python3
"""numpy_matmul.py — C = A @ B of two n x n float64 matrices with numpy (BLAS dgemm).

The inputs are small integers in [-8, 8) drawn from splitmix64 (the workloads' PRNG, here
vectorised: output i of seed s is mix(s + (i+1)*GAMMA); A takes outputs 0..n*n-1, B the next n*n),
so every product and partial sum is an exact integer in float64: C is exact whatever BLAS,
blocking or thread count computes it, and so is the checksum
    sum over flat index i of uint64(int64(C[i])) * ((2*i+1) * GAMMA mod 2^64)   (mod 2^64).
-t sets OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS for a threaded BLAS (before numpy
is imported); it cannot change the checksum. Runs under Debian's /usr/bin/python3 (python3-numpy).
"""
import os
import sys
import time

GAMMA = 0x9E3779B97F4A7C15
CHUNK = 1 << 20
PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "numpy_matmul.py"

OPTIONS = [  # (short, long, metavar, help, default, min, max)
    ("-n", "--size", "N", "matrix dimension", 1024, 1, 1 << 16),
    ("-t", "--threads", "THREADS", "BLAS threads (a threaded BLAS only)", 1, 1, 256),
    (None, "--seed", "S", "seed of the random inputs", 1, 0, (1 << 64) - 1),
]


def die(msg):
    print(f"{PROG}: {msg}", file=sys.stderr)
    sys.exit(2)


def usage():
    print(f"usage: {PROG} " + " ".join(f"[{o[0] or o[1]} {o[2]}]" for o in OPTIONS))
    print("Dense matrix product C = A @ B with numpy (oblivious).")
    print("Prints 'checksum <hex>' and 'compute_time <seconds>' on stdout.")
    print("Numbers may be written as decimal, 0x hex or B^E (e.g. 2^20).\n\noptions:")
    print(f"  {'-h, --help':<24} show this help and exit")
    for short, long, meta, text, default, lo, hi in OPTIONS:
        names = ", ".join(x for x in (short, long) if x) + " " + meta
        print(f"  {names:<24} {text} (default {default}, range {lo}..{hi})")


def parse_number(s):
    def plain(t):
        if not t or not t[0].isdigit():
            raise ValueError
        return int(t, 16) if t[:2].lower() == "0x" else int(t, 10)
    if "^" in s:
        base, exp = s.split("^", 1)
        return plain(base) ** plain(exp)
    return plain(s)


def parse_args(argv):
    values = {o[1]: o[4] for o in OPTIONS}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-h", "--help"):
            usage()
            sys.exit(0)
        name, eq, val = arg.partition("=")
        opt = next((o for o in OPTIONS if arg.startswith("-") and name in (o[0], o[1])), None)
        if opt is None:
            die(f"unknown argument '{arg}' (try --help)")
        if not eq:
            if i + 1 >= len(argv):
                die(f"option {arg} needs a value {opt[2]}")
            i += 1
            val = argv[i]
        try:
            v = parse_number(val)
        except ValueError:
            v = None
        if v is None or not opt[5] <= v <= opt[6]:
            die(f"bad value '{val}' for {opt[1]}: expected an integer in {opt[5]}..{opt[6]}")
        values[opt[1]] = v
        i += 1
    return values


def main():
    args = parse_args(sys.argv[1:])
    n, seed = args["--size"], args["--seed"]
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args["--threads"])
    import numpy as np  # after the thread variables: BLAS reads them when it loads

    u64 = np.uint64

    def splitmix_ints(first, count):
        """Integers in [-8, 8) from splitmix64 outputs first..first+count-1 of the seed."""
        idx = np.arange(first + 1, first + count + 1, dtype=np.uint64)
        z = u64(seed) + idx * u64(GAMMA)
        z = (z ^ (z >> u64(30))) * u64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> u64(27))) * u64(0x94D049BB133111EB)
        z = z ^ (z >> u64(31))
        return (z >> u64(60)).astype(np.int64) - 8

    def random_matrix(first):
        m = np.empty(n * n, dtype=np.float64)
        for lo in range(0, n * n, CHUNK):
            cnt = min(CHUNK, n * n - lo)
            m[lo:lo + cnt] = splitmix_ints(first + lo, cnt)
        return m.reshape(n, n)

    with np.errstate(over="ignore"):
        a = random_matrix(0)
        b = random_matrix(n * n)
        t0 = time.monotonic()
        c = a @ b
        t1 = time.monotonic()
        flat = c.reshape(-1)
        h = u64(0)
        for lo in range(0, n * n, CHUNK):
            cnt = min(CHUNK, n * n - lo)
            words = flat[lo:lo + cnt].astype(np.int64).view(np.uint64)
            weights = (np.arange(lo, lo + cnt, dtype=np.uint64) * u64(2) + u64(1)) * u64(GAMMA)
            h = u64(h + (words * weights).sum(dtype=np.uint64))
    print(f"checksum {int(h):016x}")
    print(f"compute_time {t1 - t0:.6f}")


if __name__ == "__main__":
    main()
