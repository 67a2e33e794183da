"""ref_fft.py — reference checksum of fft: the same radix-2 decimation-in-time butterflies
(bit-exact), whose result is also checked against a naive O(N^2) DFT."""
import cmath
import math

from wl_ref_common import Rng, close, hash_doubles

FLAGS = {"-k": "k", "--seed": "seed"}
DEFAULTS = {"seed": 1}


def naive_dft(x):
    n = len(x)
    return [sum(x[t] * cmath.exp(-2j * math.pi * f * t / n) for t in range(n)) for f in range(n)]


def checksum(p):
    k, rng = p["k"], Rng(p["seed"])
    n = 1 << k
    re, im = [], []
    for _ in range(n):
        re.append(rng.sym())
        im.append(rng.sym())
    inp = [complex(a, b) for a, b in zip(re, im)]
    tw = [(math.cos(-2.0 * math.pi * t / n), math.sin(-2.0 * math.pi * t / n))
          for t in range(n // 2)]
    for i in range(n):
        r = int(format(i, f"0{k}b")[::-1], 2)
        if i < r:
            re[i], re[r], im[i], im[r] = re[r], re[i], im[r], im[i]
    m = 1
    while m < n:
        step = n // (2 * m)
        for start in range(0, n, 2 * m):
            for q in range(m):
                i, u = start + q, start + q + m
                wr, wi = tw[q * step]
                tr = wr * re[u] - wi * im[u]
                ti = wr * im[u] + wi * re[u]
                re[u], im[u] = re[i] - tr, im[i] - ti
                re[i], im[i] = re[i] + tr, im[i] + ti
        m *= 2
    for got, want in zip(zip(re, im), naive_dft(inp)):
        assert close(got[0], want.real, 1e-9 * n) and close(got[1], want.imag, 1e-9 * n)
    out = []
    for a, b in zip(re, im):
        out += [a, b]
    return hash_doubles(out)
