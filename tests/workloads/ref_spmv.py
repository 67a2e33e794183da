"""ref_spmv.py — reference checksum of spmv: CSR with one column per stratum [s*n/d, (s+1)*n/d)
per row from the structure seed; values then x from the value seed; R times x <- (A x)/sqrt(d)."""
import math

from wl_ref_common import Rng, hash_doubles

FLAGS = {"-n": "n", "-d": "d", "-r": "reps", "--seed": "seed", "--structure-seed": "sseed"}
DEFAULTS = {"seed": 1, "sseed": 1}


def checksum(p):
    n, d = p["n"], p["d"]
    srng = Rng(p["sseed"])
    cols = [[n * s // d + srng.below(n * (s + 1) // d - n * s // d) for s in range(d)]
            for _ in range(n)]
    rng = Rng(p["seed"])
    vals = [[rng.sym() for _ in range(d)] for _ in range(n)]
    x = [rng.sym() for _ in range(n)]
    scale = 1.0 / math.sqrt(d)
    for _ in range(p["reps"]):
        y = []
        for i in range(n):
            s = 0.0
            for c, v in zip(cols[i], vals[i]):
                s += v * x[c]
            y.append(s * scale)
        x = y
    return hash_doubles(x)
