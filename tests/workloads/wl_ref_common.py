"""wl_ref_common.py — the workloads' PRNG (splitmix64) and checksum hash, re-implemented in
pure Python for the reference checksums of the workload tests."""
import struct

M64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
HASH_INIT = 0x243F6A8885A308D3


def mix64(z):
    """The splitmix64 finaliser."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class Rng:
    """splitmix64: state += GAMMA, output mix64(state)."""

    def __init__(self, seed):
        self.state = seed & M64

    def next(self):
        self.state = (self.state + GAMMA) & M64
        return mix64(self.state)

    def unit(self):  # [0, 1), 53 bits
        return (self.next() >> 11) * 2.0 ** -53

    def sym(self):  # [-1, 1)
        return 2.0 * self.unit() - 1.0

    def below(self, bound):  # [0, bound), multiply-shift
        return (self.next() * bound) >> 64


def hash_u64(h, w):
    h = ((h ^ (w & M64)) * GAMMA) & M64
    return h ^ (h >> 32)


def double_bits(d):
    return struct.unpack("<Q", struct.pack("<d", d))[0]


def hash_doubles(values, h=HASH_INIT):
    for v in values:
        h = hash_u64(h, double_bits(v))
    return h


def hash_u64s(values, h=HASH_INIT):
    for v in values:
        h = hash_u64(h, v)
    return h


def close(a, b, tol):
    """True if |a - b| <= tol * max(1, |b|)."""
    return abs(a - b) <= tol * max(1.0, abs(b))
