# far_lib.sh — sourced by the far-memory integration tests: memcached servers on free loopback
# ports (mc_start NAME MB [memcached options...] sets MC_PORT[NAME] and MC_PID[NAME]; mc_kill
# NAME; mc_stat NAME FIELD asks the server itself; mc_stop_all), and wait_for, which polls a
# condition with a bound instead of sleeping in hope. Needs $MEMCACHED (the server's path).

declare -A MC_PORT MC_PID

# wait_for SECONDS COMMAND...: true as soon as COMMAND succeeds, false after SECONDS
wait_for() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.01
  done
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mc_up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

mc_start() {
  local name=$1 mb=$2 port pid
  shift 2
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    # -u: memcached refuses to run as root without it
    "$MEMCACHED" -l 127.0.0.1 -p "$port" -U 0 -u "$(id -un)" -m "$mb" -t 1 "$@" &
    pid=$!
    if wait_for 10 mc_up "$port"; then
      MC_PORT[$name]=$port
      MC_PID[$name]=$pid
      return 0
    fi
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
  done
  echo "FAIL: memcached did not start"
  return 1
}

mc_kill() {
  kill -9 "${MC_PID[$1]}" 2>/dev/null
  wait "${MC_PID[$1]}" 2>/dev/null
  unset "MC_PID[$1]"
}

mc_stop_all() {
  local n
  for n in "${!MC_PID[@]}"; do mc_kill "$n"; done
}

# mc_stat NAME FIELD: the field of the server's "stats" (e.g. curr_items, cmd_set, get_hits)
mc_stat() {
  local line v=
  exec 3<>"/dev/tcp/127.0.0.1/${MC_PORT[$1]}" || return 1
  printf 'stats\r\n' >&3
  while IFS= read -r -t 5 line <&3; do
    line=${line%$'\r'}
    [ "$line" = END ] && break
    [[ $line == "STAT $2 "* ]] && v=${line#"STAT $2 "}
  done
  exec 3>&-
  echo "${v:-0}"
}

# mc_sum FIELD NAME...: the field summed over the servers
mc_sum() {
  local f=$1 n t=0
  shift
  for n in "$@"; do t=$((t + $(mc_stat "$n" "$f"))); done
  echo $t
}
