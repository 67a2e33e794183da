#!/usr/bin/env python3
"""memserver_emfile.py — 3po-memserver out of file descriptors (accept fails with EMFILE) backs
off and keeps serving: its log stays a few lines (not one per failed accept), it does not spin,
a client it already has is still served, and once clients leave a new one is served.
Usage: memserver_emfile.py PATH/TO/3po-memserver"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

HELLO = struct.pack("<IIII", 0x4D4F5033, 1, 4096, 0)
fails = []


def say(msg):
    print(msg)
    fails.append(msg)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        part = s.recv(n - len(buf))
        if not part:
            raise ConnectionError("closed")
        buf += part
    return buf


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(HELLO)
    return s


def hello_then_roundtrip(s, key, fill):
    """Waits for the server's hello, writes page `key` full of byte `fill`, reads it back."""
    if recv_exact(s, 16) != HELLO:
        raise ConnectionError("bad hello")
    page = bytes([fill]) * 4096
    s.sendall(struct.pack("<IIQ", 2, 0, key) + page + struct.pack("<IIQ", 1, 0, key))
    reply = recv_exact(s, 16 + 4096)
    op, _, k = struct.unpack("<IIQ", reply[:16])
    return op == 0x81 and k == key and reply[16:] == page


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for(pred, what, secs=10):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    say(f"timed out waiting for {what}")
    return False


def main():
    server_bin = sys.argv[1]
    work = tempfile.mkdtemp()
    out_path, err_path = os.path.join(work, "out"), os.path.join(work, "err")
    # 12 descriptors: stdin, stdout, stderr, the listening socket and 8 clients
    srv = subprocess.Popen(["bash", "-c", 'ulimit -n 12 && exec "$0" -l 127.0.0.1:0', server_bin],
                           stdout=open(out_path, "w"), stderr=open(err_path, "w"), stdin=subprocess.DEVNULL)
    socks = []
    try:
        read = lambda p: open(p).read()
        if not wait_for(lambda: "listening on" in read(out_path), "the listening line"):
            return
        port = int(read(out_path).split(":")[-1])
        first = connect(port)
        if not hello_then_roundtrip(first, 1, 0xA5):
            say("the first client was not served")
        # 20 more connections: the server accepts 7 more, then runs out of descriptors
        for _ in range(20):
            socks.append(connect(port))
        if not wait_for(lambda: "descriptors" in read(err_path) or "accept" in read(err_path),
                        "a line about running out of descriptors"):
            print(read(err_path)[-2000:])
            return
        # the server keeps running out for as long as the clients stay: watch it for a second
        cpu0, t0 = cpu_seconds(srv.pid), time.monotonic()
        time.sleep(1.0)
        cpu = cpu_seconds(srv.pid) - cpu0
        wall = time.monotonic() - t0
        lines = read(err_path).splitlines()
        noisy = [l for l in lines if "connected" not in l and "left" not in l]
        if len(noisy) > 3:
            say(f"{len(noisy)} log lines while out of descriptors (wanted at most 3), e.g. {noisy[-1]!r}")
        if cpu > 0.25 * wall:
            say(f"the server used {cpu:.2f} s of CPU in {wall:.2f} s while out of descriptors (spinning)")
        # a client it already had is still served
        first.sendall(struct.pack("<IIQ", 1, 0, 1))
        reply = recv_exact(first, 16 + 4096)
        if reply[16:] != bytes([0xA5]) * 4096:
            say("the first client's page did not come back while out of descriptors")
        # the idle clients leave; a new client is then served
        for s in socks:
            s.close()
        socks = []
        late = connect(port)
        socks.append(late)
        try:
            if not hello_then_roundtrip(late, 2, 0x5A):
                say("a client connecting after others left was not served correctly")
        except (OSError, ConnectionError) as e:
            say(f"a client connecting after others left was not served: {e}")
        if srv.poll() is not None:
            say(f"the server exited ({srv.returncode})")
    finally:
        for s in socks:
            s.close()
        if srv.poll() is None:
            srv.terminate()
            try:
                rc = srv.wait(10)
            except subprocess.TimeoutExpired:
                srv.kill()
                rc = srv.wait()
            if rc != 0:
                say(f"the server exited {rc} on SIGTERM")
        lines = open(err_path).read().splitlines()
        print(f"server log: {len(lines)} lines")
        for l in lines[:30]:
            print("  " + l)
    if not fails:
        print("ok")


main()
sys.exit(1 if fails else 0)
