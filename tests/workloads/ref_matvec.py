"""ref_matvec.py — reference checksum of matvec: R times x <- (A x) / sqrt(n), each row summed
in order; A then x drawn from one splitmix64 stream."""
import math

from wl_ref_common import Rng, hash_doubles

FLAGS = {"-n": "n", "-r": "reps", "--seed": "seed"}
DEFAULTS = {"seed": 1}


def checksum(p):
    n, rng = p["n"], Rng(p["seed"])
    a = [[rng.sym() for _ in range(n)] for _ in range(n)]
    x = [rng.sym() for _ in range(n)]
    scale = 1.0 / math.sqrt(n)
    for _ in range(p["reps"]):
        y = []
        for i in range(n):
            s = 0.0
            for k in range(n):
                s += a[i][k] * x[k]
            y.append(s * scale)
        x = y
    return hash_doubles(x)
