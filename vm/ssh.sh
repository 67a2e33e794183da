#!/usr/bin/env bash
# ssh.sh — opens an SSH session (or runs a command) as root in the test VM started by boot.sh,
# with the key from vm/out/ and no host-key prompts.
# shellcheck disable=SC2015  # "A && B || C" is meant as written
set -euo pipefail
PROG=ssh.sh
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<EOF
Usage: vm/ssh.sh [--port N] [--wait SECS] [--] [CMD...]

Logs in as root on the VM (127.0.0.1, port \$VM_SSH_PORT or 10022) with $KEY.
With CMD, runs it there instead (the words are joined by spaces and run by root's shell in
the VM, as with ssh) and exits with its status. Standard input and output are passed through:
  tar -cf - dir | vm/ssh.sh tar -xf - -C /root

Options:
  --port N      SSH port on 127.0.0.1 (default: the running VM's, else \$VM_SSH_PORT or 10022)
  --wait SECS   first wait up to SECS for SSH to answer (the VM may still be booting)
  -h, --help    this help

Exit status: CMD's exit status (0 for a session that ended normally); 255 if SSH failed
(VM not running, not booted yet: try --wait); 1 if the key is missing or --wait ran out;
2 bad command line.
EOF
}

port="" wait=0
while (($#)); do
  case $1 in
    --port) need_arg "$1" $#; port=$2; shift ;;
    --port=*) port=${1#*=} ;;
    --wait) need_arg "$1" $#; wait=$2; shift ;;
    --wait=*) wait=${1#*=} ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) usage_error "unknown option '$1' (put -- before a command that starts with -)" ;;
    *) break ;;
  esac
  shift
done
if [[ -z $port ]]; then
  # the port boot.sh used for the VM that is running, unless VM_SSH_PORT says otherwise
  if [[ -z ${VM_SSH_PORT:-} ]] && vm_pid >/dev/null; then port=$(vm_state port); fi
  port=${port:-$SSH_PORT}
fi
is_uint "$port" && ((port >= 1 && port <= 65535)) || usage_error "bad --port / VM_SSH_PORT '$port'"
is_uint "$wait" || usage_error "bad --wait '$wait' (seconds)"
SSH_PORT=$port
[[ -r $KEY ]] || die "no key $KEY; run vm/build-image.sh first"

if ((wait > 0)); then
  pid=$(vm_pid) || pid=""
  wait_ssh "$wait" "$pid" || die "no SSH answer on port $port within $wait s"
fi
# a terminal for an interactive session, none for a command (so pipes stay binary-clean)
if (($#)); then
  exec ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" root@127.0.0.1 -- "$@"
else
  exec ssh -t "${SSH_OPTS[@]}" -p "$SSH_PORT" root@127.0.0.1
fi
