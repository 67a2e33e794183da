#!/usr/bin/env bash
# boot.sh — boots the test VM (vm/out/disk.qcow2, made by build-image.sh) with qemu-system-x86_64:
# KVM when it works here, TCG otherwise; serial console on the terminal, in a log file, or in the
# background; SSH forwarded from 127.0.0.1:$VM_SSH_PORT (10022). Also stops it (--stop).
# shellcheck disable=SC2015,SC2054  # "A && B || C" is meant; qemu options contain commas
set -euo pipefail
PROG=boot.sh
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<EOF
Usage: vm/boot.sh [OPTIONS] [-- QEMU_ARGS...]
       vm/boot.sh --stop [--timeout SECS]
       vm/boot.sh --status

Boots the VM. Without --log or --daemon the serial console is this terminal (log in there,
or use vm/ssh.sh; Ctrl-A X quits qemu, Ctrl-A C switches to the qemu monitor). Powering the
guest off (poweroff, or vm/boot.sh --stop) ends qemu.

Options:
  --log FILE        serial console to FILE instead of the terminal (qemu stays in the foreground)
  --daemon          run qemu in the background; console to --log FILE or $OUT/console.log
  --mem MB          guest memory in MiB (default: \$VM_MEM or 4096)
  --cpus N          virtual CPUs (default: \$VM_CPUS or 2)
  --accel A         auto (default: kvm if it can run a guest here, else tcg), kvm or tcg
  --snapshot        writes go to a temporary overlay, the image is left unchanged
  --port N          host port forwarded to the guest's SSH (default: \$VM_SSH_PORT or 10022)
  --append ARGS     more kernel command-line arguments
  --stop            power the running VM off (over SSH), kill qemu if it is still there after
                    --timeout SECS (default 60)
  --status          print whether the VM is running, its pid, accelerator, port and log
  -h, --help        this help
  QEMU_ARGS         passed on to qemu-system-x86_64 as they are

Environment: VM_SSH_PORT, VM_MEM, VM_CPUS, VM_ACCEL (defaults for the options), VM_OUT
(folder with the image, default vm/out).
Exit status: 0 booted (--daemon: qemu started; foreground: qemu ended normally), stopped or
running (--status); 1 failure (no image, already running, port taken, qemu error) or, for
--status, not running; 2 bad command line.
EOF
}

log="" daemon=0 snapshot=0 append="" action=boot stop_timeout=60
mem=${VM_MEM:-4096} cpus=${VM_CPUS:-2} accel=${VM_ACCEL:-auto} port=$SSH_PORT
qemu_extra=()
while (($#)); do
  case $1 in
    --log) need_arg "$1" $#; log=$2; shift ;;
    --log=*) log=${1#*=} ;;
    --daemon) daemon=1 ;;
    --mem) need_arg "$1" $#; mem=$2; shift ;;
    --mem=*) mem=${1#*=} ;;
    --cpus) need_arg "$1" $#; cpus=$2; shift ;;
    --cpus=*) cpus=${1#*=} ;;
    --accel) need_arg "$1" $#; accel=$2; shift ;;
    --accel=*) accel=${1#*=} ;;
    --snapshot) snapshot=1 ;;
    --port) need_arg "$1" $#; port=$2; shift ;;
    --port=*) port=${1#*=} ;;
    --append) need_arg "$1" $#; append=$2; shift ;;
    --append=*) append=${1#*=} ;;
    --stop) action=stop ;;
    --status) action=status ;;
    --timeout) need_arg "$1" $#; stop_timeout=$2; shift ;;
    --timeout=*) stop_timeout=${1#*=} ;;
    -h|--help) usage; exit 0 ;;
    --) shift; qemu_extra=("$@"); break ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
  shift
done
is_uint "$mem" && ((mem >= 256)) || usage_error "bad --mem '$mem' (MiB, at least 256)"
is_uint "$cpus" && ((cpus >= 1 && cpus <= 64)) || usage_error "bad --cpus '$cpus'"
is_uint "$port" && ((port >= 1 && port <= 65535)) || usage_error "bad --port / VM_SSH_PORT '$port'"
is_uint "$stop_timeout" || usage_error "bad --timeout '$stop_timeout'"
case $accel in auto|kvm|tcg) ;; *) usage_error "bad --accel '$accel' (auto, kvm or tcg)" ;; esac
SSH_PORT=$port

# ---- --status
if [[ $action == status ]]; then
  if pid=$(vm_pid); then
    echo "running: pid $pid, accel $(vm_state accel), ssh port $(vm_state port), console $(vm_state log)"
    exit 0
  fi
  echo "not running"
  exit 1
fi

# ---- --stop
if [[ $action == stop ]]; then
  pid=$(vm_pid) || { note "not running"; exit 0; }
  SSH_PORT=$(vm_state port); SSH_PORT=${SSH_PORT:-$port}
  note "powering off (pid $pid)"
  timeout 30 ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" root@127.0.0.1 'systemctl poweroff' </dev/null >/dev/null 2>&1 || true
  start=$SECONDS
  while kill -0 "$pid" 2>/dev/null && ((SECONDS - start < stop_timeout)); do sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    note "still running after ${stop_timeout} s; killing qemu"
    kill -TERM "$pid" 2>/dev/null || true
    sleep 2
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE" "$STATE_FILE"
  note "stopped"
  exit 0
fi

# ---- boot
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86, or run vm/build-image.sh)"
for f in "$IMAGE" "$KERNEL" "$INITRD"; do
  [[ -s $f ]] || die "$f missing; run vm/build-image.sh first"
done
if pid=$(vm_pid); then die "already running (pid $pid; vm/boot.sh --stop stops it)"; fi
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  die "port $port is in use on 127.0.0.1; set VM_SSH_PORT or --port"
fi
if ((daemon)) && [[ -z $log ]]; then log=$OUT/console.log; fi
if [[ -n $log ]]; then
  case $log in /*) ;; *) log=$PWD/$log ;; esac
  mkdir -p "$(dirname "$log")"
  : >"$log" || die "cannot write $log"
fi

if [[ $accel == auto ]]; then
  if kvm_works; then accel=kvm; else accel=tcg; note "using TCG (software emulation, slow): $KVM_WHY"; fi
elif [[ $accel == kvm ]]; then
  kvm_works || die "KVM is not usable here: $KVM_WHY (use --accel tcg)"
fi
if [[ $accel == kvm ]]; then
  accel_args=(-accel kvm -cpu host)
else
  accel_args=(-accel tcg,thread=multi -cpu max)
fi

cmdline="root=/dev/vda rw console=ttyS0,115200 net.ifnames=0 panic=-1 $append"
args=(-name tpo-vm -machine q35 "${accel_args[@]}" -m "$mem" -smp "$cpus"
      -kernel "$KERNEL" -initrd "$INITRD" -append "${cmdline% }"
      -drive "file=$IMAGE,if=virtio,format=qcow2,discard=unmap"
      -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=net0
      -device virtio-rng-pci -no-reboot -pidfile "$PIDFILE")
((snapshot)) && args+=(-snapshot)
if [[ -n $log ]]; then
  args+=(-display none -monitor none -serial "file:$log")
else
  args+=(-nographic)
fi
((daemon)) && args+=(-daemonize)

printf 'accel=%s\nport=%s\nlog=%s\nsnapshot=%s\n' "$accel" "$port" "${log:-terminal}" "$snapshot" >"$STATE_FILE"
note "booting $(cat "$KREL_FILE" 2>/dev/null || echo kernel) with $accel, $cpus CPU(s), $mem MiB$( ((snapshot)) && echo ", snapshot"); ssh: vm/ssh.sh (port $port)${log:+; console: $log}"
# a foreground qemu ended by Ctrl-C or a signal leaves no state behind
((daemon)) || trap 'rm -f "$PIDFILE" "$STATE_FILE"' EXIT
rc=0
qemu-system-x86_64 "${args[@]}" "${qemu_extra[@]}" || rc=$?
if ((daemon)); then
  ((rc == 0)) || { rm -f "$STATE_FILE"; die "qemu failed to start (exit $rc)"; }
  note "running in the background, pid $(cat "$PIDFILE"); stop with vm/boot.sh --stop"
  exit 0
fi
rm -f "$PIDFILE" "$STATE_FILE"
((rc == 0)) || die "qemu exited with status $rc"
