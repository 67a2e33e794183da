"""ref_stencil.py — reference checksum of stencil: S Jacobi sweeps of v = 0.25 * (((up + down)
+ left) + right) over the interior of an n x n grid drawn in [0, 1), boundary fixed."""
from wl_ref_common import Rng, hash_doubles

FLAGS = {"-n": "n", "-s": "sweeps", "--seed": "seed"}
DEFAULTS = {"seed": 1}


def checksum(p):
    n, rng = p["n"], Rng(p["seed"])
    u = [[rng.unit() for _ in range(n)] for _ in range(n)]
    for _ in range(p["sweeps"]):
        v = [row[:] for row in u]
        for i in range(1, n - 1):
            for j in range(1, n - 1):
                v[i][j] = 0.25 * (((u[i - 1][j] + u[i + 1][j]) + u[i][j - 1]) + u[i][j + 1])
        u = v
    return hash_doubles(x for row in u for x in row)
