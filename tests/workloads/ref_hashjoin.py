"""ref_hashjoin.py — reference checksum of hashjoin: R then S drawn (key below 2*NR, payload)
from one splitmix64 stream, joined with a dict; hash of (matches, sum of mix64(r.payload +
GAMMA * s.payload) mod 2^64)."""
from collections import defaultdict

from wl_ref_common import GAMMA, HASH_INIT, M64, Rng, hash_u64, mix64

FLAGS = {"-b": "nr", "-p": "ns", "--seed": "seed"}
DEFAULTS = {"seed": 1}


def checksum(p):
    nr, ns, rng = p["nr"], p["ns"], Rng(p["seed"])

    def relation(count):
        out = []
        for _ in range(count):
            key = rng.below(2 * nr)
            out.append((key, rng.next()))
        return out

    r, s = relation(nr), relation(ns)
    table = defaultdict(list)
    for key, payload in r:
        table[key].append(payload)
    matches = total = 0
    for key, sp in s:
        for rp in table.get(key, ()):
            matches += 1
            total = (total + mix64((rp + GAMMA * sp) & M64)) & M64
    return hash_u64(hash_u64(HASH_INIT, matches), total)
