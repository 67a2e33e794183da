"""ref_quicksort.py — reference checksum of quicksort: the hash of the n seeded keys, sorted
by Python's own sort."""
from wl_ref_common import Rng, hash_u64s

FLAGS = {"-n": "n", "--seed": "seed"}
DEFAULTS = {"seed": 1}


def checksum(p):
    rng = Rng(p["seed"])
    return hash_u64s(sorted(rng.next() for _ in range(p["n"])))
