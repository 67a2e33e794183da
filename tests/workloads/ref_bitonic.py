"""ref_bitonic.py — reference checksum of bitonic: the hash of the 2^k seeded keys, sorted by
Python's own sort."""
from wl_ref_common import Rng, hash_u64s

FLAGS = {"-k": "k", "--seed": "seed"}
DEFAULTS = {"seed": 1}


def checksum(p):
    rng = Rng(p["seed"])
    return hash_u64s(sorted(rng.next() for _ in range(1 << p["k"])))
