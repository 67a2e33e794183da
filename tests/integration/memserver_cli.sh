#!/usr/bin/env bash
# memserver_cli.sh — 3po-memserver's command line: --help, bad arguments give one line and exit
# 2, an address it cannot listen on exits 1, it prints "listening on" and stops cleanly (exit
# 0) on SIGTERM and SIGINT.
set -u
bin=$1
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
fail=0
expect() { # expect CODE DESCRIPTION ARGS...: runs the server (10 s at most), checks the exit
  local code=$1 what=$2; shift 2
  timeout 10 "$bin" "$@" >out 2>err </dev/null; local rc=$?
  if [ "$rc" != "$code" ]; then echo "$what: exit $rc, wanted $code"; cat err; fail=1; fi
  if [ "$code" = 2 ] && [ "$(wc -l <err)" != 1 ]; then echo "$what: error is not one line"; cat err; fail=1; fi
}
expect 0 "--help" --help
grep -q "Usage: 3po-memserver" out || { echo "--help prints no usage"; fail=1; }
expect 0 "-h" -h
expect 2 "listen without port" --listen nohost
grep -q "nohost" err || { echo "bad --listen not named"; fail=1; }
expect 2 "listen port too big" --listen 127.0.0.1:65536
expect 2 "listen port junk" -l 127.0.0.1:http
expect 2 "listen v6 without brackets" -l ::1:7077
expect 2 "listen missing argument" --listen
expect 2 "bad max-mem" --max-mem 12Q
expect 2 "max-mem below a page" --max-mem 100
expect 2 "max-mem beyond 2^64 bytes" --max-mem 16777216T
expect 2 "unknown option" --bogus
expect 2 "stray argument" extra
expect 1 "unresolvable host" --listen no-such-host.invalid:7077

# start SIG: runs a server on port 0, sets port; stops it with SIG and checks exit 0.
run_and_stop() {
  local sig=$1
  "$bin" -l 127.0.0.1:0 >"out.$sig" 2>"err.$sig" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do grep -q "listening on" "out.$sig" && break; sleep 0.05; done
  grep -q "^listening on 127.0.0.1:[0-9]*$" "out.$sig" || { echo "no listening line"; fail=1; }
  port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "out.$sig")
  # the port is taken now: a second server on it exits 1 with one line
  if [ -n "$port" ]; then
    expect 1 "port in use" -l "127.0.0.1:$port"
    [ "$(wc -l <err)" = 1 ] || { echo "port in use: not one line"; cat err; fail=1; }
  fi
  kill "-$sig" "$pid"
  local rc
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  wait "$pid"; rc=$?
  [ "$rc" = 0 ] || { echo "SIG$sig: exit $rc, wanted 0"; cat "err.$sig"; fail=1; }
}
run_and_stop TERM
run_and_stop INT
[ $fail = 0 ] && echo ok
exit $fail
