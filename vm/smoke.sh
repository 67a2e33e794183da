#!/usr/bin/env bash
# smoke.sh — end-to-end check of vm/: builds the image if needed, boots it in the background and
# waits for a login prompt on the serial console; reports the kernel line, whether "login:" was
# seen, how long it took, and whether SSH answered. Not part of CI (slow, needs root).
# shellcheck disable=SC2317  # the trap handlers are reached through trap
set -euo pipefail
PROG=smoke.sh
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<EOF
Usage: vm/smoke.sh [OPTIONS]

Runs vm/build-image.sh (does nothing when the image is up to date), boots the VM with
vm/boot.sh --daemon --snapshot (the image is not changed), waits for "login:" on the serial
console, tries one command over SSH, powers the VM off and prints a report.

Options:
  --timeout SECS   how long to wait for the login prompt (default: \$VM_SMOKE_TIMEOUT, else
                   600 under TCG and 120 under KVM)
  --ssh-timeout S  how long to wait for SSH after the prompt (default 180; 0 skips the check)
  --no-build       do not run build-image.sh; fail if there is no image
  --log FILE       serial console log (default: $OUT/smoke-console.log)
  --keep           leave the VM running afterwards (vm/boot.sh --stop stops it)
  -h, --help       this help
Options of boot.sh that pass through: --mem MB, --cpus N, --accel A, --port N.

Exit status: 0 a login prompt was seen in time; 1 not (or the build or boot failed);
2 bad command line. The SSH check is reported but does not change the exit status.
EOF
}

timeout_s=${VM_SMOKE_TIMEOUT:-} ssh_timeout=180 build=1 keep=0 log=$OUT/smoke-console.log
boot_args=()
while (($#)); do
  case $1 in
    --timeout) need_arg "$1" $#; timeout_s=$2; shift ;;
    --timeout=*) timeout_s=${1#*=} ;;
    --ssh-timeout) need_arg "$1" $#; ssh_timeout=$2; shift ;;
    --ssh-timeout=*) ssh_timeout=${1#*=} ;;
    --no-build) build=0 ;;
    --log) need_arg "$1" $#; log=$2; shift ;;
    --log=*) log=${1#*=} ;;
    --keep) keep=1 ;;
    --mem|--cpus|--accel|--port) need_arg "$1" $#; boot_args+=("$1" "$2"); shift ;;
    --mem=*|--cpus=*|--accel=*|--port=*) boot_args+=("$1") ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
  shift
done
[[ -z $timeout_s ]] || is_uint "$timeout_s" || usage_error "bad --timeout / VM_SMOKE_TIMEOUT '$timeout_s'"
is_uint "$ssh_timeout" || usage_error "bad --ssh-timeout '$ssh_timeout'"
case $log in /*) ;; *) log=$PWD/$log ;; esac

if pid=$(vm_pid); then die "a VM is already running (pid $pid); stop it first (vm/boot.sh --stop)"; fi

t0=$SECONDS
build_report="skipped (--no-build)"
if ((build)); then
  b0=$SECONDS
  "$VM_DIR/build-image.sh" || die "build-image.sh failed"
  build_report="$(fmt_secs $((SECONDS - b0)))"
fi

booted=0
finish() {
  local rc=$?
  if ((booted && !keep)) && vm_pid >/dev/null; then "$VM_DIR/boot.sh" --stop --timeout 60 >/dev/null 2>&1 || true; fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

b0=$SECONDS
"$VM_DIR/boot.sh" --daemon --snapshot --log "$log" "${boot_args[@]}" || die "boot.sh failed"
booted=1
pid=$(vm_pid) || die "qemu is not running after boot.sh"
accel=$(vm_state accel)
SSH_PORT=$(vm_state port)
if [[ -z $timeout_s ]]; then if [[ $accel == kvm ]]; then timeout_s=120; else timeout_s=600; fi; fi
note "waiting up to $timeout_s s for a login prompt ($accel; console: $log)"

login=0 why="timed out after $timeout_s s"
while ((SECONDS - b0 < timeout_s)); do
  if grep -q 'login:' "$log" 2>/dev/null; then login=1; break; fi
  if grep -q 'Kernel panic' "$log" 2>/dev/null; then why="kernel panic"; break; fi
  if ! kill -0 "$pid" 2>/dev/null; then why="qemu exited"; break; fi
  sleep 2
done
boot_secs=$((SECONDS - b0))

ssh_report="not tried"
if ((login && ssh_timeout > 0)); then
  s0=$SECONDS
  if wait_ssh "$ssh_timeout" "$pid"; then
    ssh_report="ok after $(fmt_secs $((SECONDS - s0))) more: $(vm_ssh 'uname -sr; uptime' </dev/null 2>&1 | tr '\n' ';' | sed 's/;$//')"
  else
    ssh_report="no answer within $ssh_timeout s"
  fi
fi

kline=$(grep -a -m1 'Linux version' "$log" 2>/dev/null | tr -d '\r' | sed 's/^\[[ 0-9.]*\] //') || true
echo "smoke: image build:    $build_report ($(cat "$KREL_FILE" 2>/dev/null || echo '?'); $IMAGE)"
echo "smoke: accelerator:    $accel"
echo "smoke: kernel:         ${kline:-no 'Linux version' line on the console}"
if ((login)); then
  echo "smoke: login prompt:   seen after $(fmt_secs "$boot_secs") (\"$(grep -a -o -m1 '[^ ]* login:' "$log" | head -n 1)\")"
else
  echo "smoke: login prompt:   NOT seen ($why, $(fmt_secs "$boot_secs")); last console lines:"
  tail -n 15 "$log" | tr -d '\r' | sed 's/^/    /'
fi
echo "smoke: ssh:            $ssh_report"
echo "smoke: total:          $(fmt_secs $((SECONDS - t0)))"
((keep)) && echo "smoke: the VM is still running (vm/ssh.sh, vm/boot.sh --stop)"
((login))
