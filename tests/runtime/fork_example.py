# fork_example.py — issue 15's example: fork over a managed numpy array, each side writes its own
# copy; the parent prints the sum (1048578.0). Run by runtime_fork.sh and runtime_fork_tape_py.sh.
import os, numpy as np; a = np.ones(1 << 20); pid = os.fork(); a[0] = 2 if pid == 0 else 3; print(a.sum() if pid else os._exit(0)); os.waitpid(pid, 0)
