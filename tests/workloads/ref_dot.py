"""ref_dot.py — reference checksum of dot: sums of 4096-element chunks, each in order, added in
chunk order; x then y drawn from one splitmix64 stream. Also checked against math.fsum."""
import math

from wl_ref_common import Rng, close, double_bits, hash_u64, HASH_INIT

FLAGS = {"-n": "n", "-r": "reps", "--seed": "seed"}
DEFAULTS = {"seed": 1}
CHUNK = 4096


def checksum(p):
    n, rng = p["n"], Rng(p["seed"])
    x = [rng.sym() for _ in range(n)]
    y = [rng.sym() for _ in range(n)]
    total = 0.0
    for lo in range(0, n, CHUNK):
        s = 0.0
        for i in range(lo, min(lo + CHUNK, n)):
            s += x[i] * y[i]
        total += s
    exact = math.fsum(a * b for a, b in zip(x, y))
    assert close(total, exact, 1e-9), (total, exact)
    return hash_u64(HASH_INIT, double_bits(total))
