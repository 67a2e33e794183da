"""ref_matmul.py — reference checksum of matmul: C = A B with each C[i][j] summed over k in
order (the block size does not change it); A then B drawn from one splitmix64 stream."""
from wl_ref_common import Rng, hash_doubles

FLAGS = {"-n": "n", "-b": "block", "--seed": "seed"}
DEFAULTS = {"seed": 1, "block": 0}


def checksum(p):
    n, rng = p["n"], Rng(p["seed"])
    a = [[rng.sym() for _ in range(n)] for _ in range(n)]
    b = [[rng.sym() for _ in range(n)] for _ in range(n)]
    out = []
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(n):
                s += a[i][k] * b[k][j]
            out.append(s)
    return hash_doubles(out)
