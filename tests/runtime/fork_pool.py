# fork_pool.py — a multiprocessing pool of 2 (fork context) over a managed numpy array, then a
# write after the pool. Run by runtime_fork.sh and runtime_fork_tape_py.sh.
import multiprocessing as mp, numpy as np
a = np.arange(1 << 18, dtype=np.float64)
def part(k):
    return float(a[k::2].sum())
if __name__ == '__main__':
    with mp.get_context('fork').Pool(2) as pool:
        print(pool.map(part, [0, 1]))
    a[0] = 5
    print(a.sum())
