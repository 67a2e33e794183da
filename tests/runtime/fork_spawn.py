# fork_spawn.py — subprocess, os.posix_spawn and os.system (vfork-like: memory shared until exec)
# over a managed numpy array. Run by runtime_fork.sh.
import os, subprocess, numpy as np
a = np.ones(1 << 18)
print(subprocess.run(['echo', 'from subprocess'], capture_output=True).stdout.decode().strip())
pid = os.posix_spawn('/bin/echo', ['echo', 'from posix_spawn'], os.environ)
os.waitpid(pid, 0)
os.system('echo from system')
a[1] = 4
print(a.sum())
