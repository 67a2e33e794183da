"""ref_lu.py — reference checksum of lu: Doolittle without pivoting, k-i-j order, of a matrix
in [-1, 1) with n added to the diagonal; the factors are also checked: L U == A."""
from wl_ref_common import Rng, close, hash_doubles

FLAGS = {"-n": "n", "--seed": "seed"}
DEFAULTS = {"seed": 1}


def checksum(p):
    n, rng = p["n"], Rng(p["seed"])
    a = [[rng.sym() for _ in range(n)] for _ in range(n)]
    for i in range(n):
        a[i][i] += float(n)
    orig = [row[:] for row in a]
    for k in range(n - 1):
        for i in range(k + 1, n):
            l = a[i][k] / a[k][k]
            a[i][k] = l
            for j in range(k + 1, n):
                a[i][j] -= l * a[k][j]
    for i in range(n):
        for j in range(n):
            s = sum((a[i][t] if t < i else 1.0) * a[t][j] for t in range(min(i, j) + 1)
                    if t <= j)
            assert close(s, orig[i][j], 1e-9), (i, j, s, orig[i][j])
    return hash_doubles(x for row in a for x in row)
