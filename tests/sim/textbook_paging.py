#!/usr/bin/env python3
"""textbook_paging.py — demand paging of a page sequence, done the textbook way, to check
3po-sim against: LRU (an ordered dict, most recent last) and Belady's MIN (on a miss with memory
full, evict the resident page whose next use is farthest; never used again = infinitely far).
Every page starts absent, so first touches count as misses.

Usage: textbook_paging.py PAGES_FILE LOCAL_PAGES...
PAGES_FILE: one access a line, the first word its page address (3po-dump --pages output).
Prints one line per size: "LOCAL lru_misses min_misses".
"""
import sys
from collections import OrderedDict


def lru_misses(seq, k):
    mem = OrderedDict()
    misses = 0
    for p in seq:
        if p in mem:
            mem.move_to_end(p)
            continue
        misses += 1
        if len(mem) == k:
            mem.popitem(last=False)
        mem[p] = True
    return misses


def min_misses(seq, k):
    # next_use[i]: the position of the next access to seq[i] after i (len(seq) if none).
    next_use = [0] * len(seq)
    later = {}
    for i in range(len(seq) - 1, -1, -1):
        next_use[i] = later.get(seq[i], len(seq))
        later[seq[i]] = i
    mem = {}  # page -> position of its next use
    misses = 0
    for i, p in enumerate(seq):
        if p not in mem:
            misses += 1
            if len(mem) == k:
                victim = max(mem, key=mem.get)
                del mem[victim]
        mem[p] = next_use[i]
    return misses


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        seq = [int(line.split()[0], 16) for line in f if line.strip()]
    for arg in sys.argv[2:]:
        k = int(arg)
        print(k, lru_misses(seq, k), min_misses(seq, k))


if __name__ == "__main__":
    main()
