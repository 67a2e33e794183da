#!/usr/bin/env python3
"""wl_check.py — runs one workload and compares its checksum with a reference implementation.

usage: wl_check.py --ref NAME [--threads 1,2,4] [--wrap WORD]... -- PROG [ARG]...

Imports ref_NAME.py (beside this file), maps PROG's arguments onto its parameters with the
module's FLAGS ("-n 16" -> n=16) and DEFAULTS, and computes the expected checksum. Then runs
PROG ARG... (with "-t T" appended for each T of --threads, or once without), prefixed by the
--wrap words if any (e.g. --wrap 3po-run --wrap --), and checks that stdout is exactly the lines
"checksum <16 hex digits>" and "compute_time <seconds>" and that the checksum matches.
The environment variable WL_WRAPPER (split like a shell would) is a second way to set a wrapper.
Prints "N passed, N failed" and exits 1 on any failure.
"""
import argparse
import importlib
import os
import re
import shlex
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

OUTPUT = re.compile(r"checksum ([0-9a-f]{16})\ncompute_time ([0-9]+\.[0-9]+)\n\Z")


def parse_params(ref, prog_args):
    params = dict(ref.DEFAULTS)
    it = iter(prog_args)
    for arg in it:
        if arg not in ref.FLAGS:
            sys.exit(f"wl_check: the reference does not know the argument {arg!r}")
        params[ref.FLAGS[arg]] = int(next(it), 0)
    missing = sorted(flag for flag, name in ref.FLAGS.items() if name not in params)
    if missing:
        sys.exit(f"wl_check: give the program {', '.join(missing)} (the reference has no default)")
    return params


def run_once(cmd, expected):
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    took = time.monotonic() - start
    shown = " ".join(shlex.quote(c) for c in cmd)
    if proc.returncode != 0:
        return f"FAIL {shown}: exit {proc.returncode}, stderr: {proc.stderr.strip()}"
    m = OUTPUT.match(proc.stdout)
    if not m:
        return f"FAIL {shown}: bad output {proc.stdout!r}"
    if m.group(1) != expected:
        return f"FAIL {shown}: checksum {m.group(1)}, expected {expected}"
    return f"ok   {shown}: checksum {expected} ({took:.2f} s)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", required=True)
    ap.add_argument("--threads", default="")
    ap.add_argument("--wrap", action="append", default=[])
    ap.add_argument("command", nargs=argparse.REMAINDER)
    opts = ap.parse_args()
    command = opts.command[1:] if opts.command[:1] == ["--"] else opts.command
    if not command:
        ap.error("missing -- PROG [ARG]...")

    ref = importlib.import_module(f"ref_{opts.ref}")
    start = time.monotonic()
    expected = f"{ref.checksum(parse_params(ref, command[1:])):016x}"
    print(f"reference checksum {expected} ({time.monotonic() - start:.2f} s)")

    wrapper = opts.wrap + shlex.split(os.environ.get("WL_WRAPPER", ""))
    variants = [["-t", t] for t in opts.threads.split(",") if t] or [[]]
    passed = failed = 0
    for extra in variants:
        line = run_once(wrapper + command + extra, expected)
        print(line)
        if line.startswith("ok"):
            passed += 1
        else:
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
