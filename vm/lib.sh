# lib.sh — shared paths, defaults and helpers for the vm/ scripts (sourced, not run).
# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source it

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$VM_DIR/.." && pwd)
OUT=${VM_OUT:-$VM_DIR/out}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

IMAGE=$OUT/disk.qcow2          # the VM's disk (ext4 file system, no partition table)
KERNEL=$OUT/vmlinuz            # copied from the image's /boot
INITRD=$OUT/initrd.img         # copied from the image's /boot
KREL_FILE=$OUT/kernel-release  # `uname -r` of that kernel
KEY=$OUT/id_ed25519            # root's SSH key (public half in the image)
PIDFILE=$OUT/qemu.pid          # pid of the running qemu (boot.sh)
STATE_FILE=$OUT/qemu.state     # accel, port and log of the running qemu (boot.sh)
SSH_PORT=${VM_SSH_PORT:-10022}

PROG=${PROG:-$(basename "$0")}

die() { echo "$PROG: $*" >&2; exit 1; }
usage_error() { echo "$PROG: $* (try --help)" >&2; exit 2; }
note() { echo "$PROG: $*" >&2; }

# need_arg OPTION VALUE_COUNT: an option that takes a value has one.
need_arg() { (($2 >= 2)) || usage_error "$1 needs a value"; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

# The pid of the qemu that boot.sh started, if it is still running (else nothing, status 1).
vm_pid() {
  local pid
  [[ -r $PIDFILE ]] || return 1
  pid=$(tr -dc 0-9 <"$PIDFILE")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  # the pid must still be our qemu, not a recycled pid
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-pidfile $PIDFILE " || return 1
  echo "$pid"
}

# state KEY: a value boot.sh recorded for the running VM (accel, port, log).
vm_state() { [[ -r $STATE_FILE ]] && sed -n "s/^$1=//p" "$STATE_FILE" | tail -n 1; }

# kvm_works: KVM can run an unmodified guest kernel here. Sets KVM_WHY to the reason when not.
# /dev/kvm alone is not enough: a host whose /dev/kvm comes from kvm_pvm (the software "PVM"
# hypervisor, used when the host is itself a VM without nested virtualisation) runs only kernels
# built as PVM guests; Debian's kernel hangs there right after its real-mode setup code.
KVM_WHY=""
kvm_works() {
  if [[ ! -c /dev/kvm ]]; then KVM_WHY="no /dev/kvm"; return 1; fi
  if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then KVM_WHY="/dev/kvm is not readable and writable by $(id -un)"; return 1; fi
  if [[ ! -d /sys/module/kvm_intel && ! -d /sys/module/kvm_amd ]]; then
    if [[ -d /sys/module/kvm_pvm ]]; then
      KVM_WHY="/dev/kvm is kvm_pvm (no hardware virtualisation; runs PVM guest kernels only)"
    else
      KVM_WHY="neither kvm_intel nor kvm_amd is loaded"
    fi
    return 1
  fi
  if ! command -v qemu-system-x86_64 >/dev/null; then KVM_WHY="no qemu-system-x86_64"; return 1; fi
  if ! echo quit | timeout 20 qemu-system-x86_64 -accel kvm -machine none -nodefaults \
      -display none -monitor stdio >/dev/null 2>&1; then
    KVM_WHY="qemu cannot start a KVM machine"; return 1
  fi
}

SSH_OPTS=(-i "$KEY" -o IdentitiesOnly=yes -o BatchMode=yes
          -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
          -o ConnectTimeout=15 -o ServerAliveInterval=30 -o ServerAliveCountMax=20)

# vm_ssh [ARGS...]: ssh to root in the VM on SSH_PORT.
vm_ssh() { ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" root@127.0.0.1 "$@"; }

# wait_ssh SECONDS [PID]: until `true` runs over SSH; fails after SECONDS, or at once if qemu PID ends.
wait_ssh() {
  local limit=$1 pid=${2:-} start=$SECONDS
  while ((SECONDS - start < limit)); do
    vm_ssh -o ConnectTimeout=10 true </dev/null 2>/dev/null && return 0
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 3
  done
  return 1
}

# fmt_secs N: "M min S s" (or "S s").
fmt_secs() { local s=$1; if ((s >= 60)); then echo "$((s / 60)) min $((s % 60)) s"; else echo "$s s"; fi; }
