"""ref_numpy_matmul.py — reference checksum of numpy_matmul.py in pure Python integers: A then
B with entries (splitmix64 >> 60) - 8, C = A B exactly, checksum = sum over flat index i of
(C[i] mod 2^64) * ((2i+1) * GAMMA mod 2^64), mod 2^64."""
from wl_ref_common import GAMMA, M64, Rng

FLAGS = {"-n": "n", "--seed": "seed"}
DEFAULTS = {"seed": 1}


def checksum(p):
    n, rng = p["n"], Rng(p["seed"])
    a = [[(rng.next() >> 60) - 8 for _ in range(n)] for _ in range(n)]
    b = [[(rng.next() >> 60) - 8 for _ in range(n)] for _ in range(n)]
    h = 0
    for i in range(n):
        for j in range(n):
            c = sum(a[i][k] * b[k][j] for k in range(n))
            h = (h + (c & M64) * (((2 * (i * n + j) + 1) * GAMMA) & M64)) & M64
    return h
