#!/usr/bin/env bash
# run-tests.sh — runs the project's test command (scripts/test.sh) inside the test VM: boots the VM
# if it is not running, waits for SSH, copies this checkout in (tracked and untracked-but-not-ignored
# files, so no build dirs), runs the tests, exits with their status, and powers off a VM it booted.
# shellcheck disable=SC2317  # the trap handlers are reached through trap
set -euo pipefail
PROG=run-tests.sh
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<EOF
Usage: vm/run-tests.sh [OPTIONS] [-- CMD...]

Copies the checkout to DEST in the VM and runs CMD there (default: scripts/test.sh, the README's
test command: set-up, build, ctest, ASan build and ctest, fuzzing). Boots the VM first (with
--snapshot, so the image is left as built) unless it is already running, and powers it off at
the end if it booted it.

Options:
  --boot-timeout SECS  how long to wait for SSH after booting (default: \$VM_BOOT_TIMEOUT, else
                       900 under TCG, 180 under KVM)
  --test-timeout SECS  stop waiting for CMD after SECS (exit 124); default: no limit
  --rev REV            copy the files of commit REV (git archive) instead of the work tree
  --dest DIR           where the checkout goes in the VM (default /root/3po; emptied first)
  --persist            boot without --snapshot: what the run changes stays in the image
  --keep               leave the VM running afterwards (vm/ssh.sh, vm/boot.sh --stop)
  --log FILE           serial console of a VM this script boots (default $OUT/run-tests-console.log)
  -h, --help           this help
Options of boot.sh that pass through: --mem MB, --cpus N, --accel A, --port N.

Environment: TPO_FUZZ_SECONDS is passed on to scripts/test.sh when set; VM_BOOT_TIMEOUT;
VM_SSH_PORT, VM_MEM, VM_CPUS, VM_ACCEL as for boot.sh.
Exit status: CMD's exit status; 124 --test-timeout ran out; 2 bad command line; 3 the VM could
not be booted or reached, or the copy failed (the message says which).
EOF
}

boot_timeout=${VM_BOOT_TIMEOUT:-} test_timeout=0 dest=/root/3po persist=0 keep=0 rev=""
log=$OUT/run-tests-console.log
boot_args=()
while (($#)); do
  case $1 in
    --boot-timeout) need_arg "$1" $#; boot_timeout=$2; shift ;;
    --boot-timeout=*) boot_timeout=${1#*=} ;;
    --test-timeout) need_arg "$1" $#; test_timeout=$2; shift ;;
    --test-timeout=*) test_timeout=${1#*=} ;;
    --rev) need_arg "$1" $#; rev=$2; shift ;;
    --rev=*) rev=${1#*=} ;;
    --dest) need_arg "$1" $#; dest=$2; shift ;;
    --dest=*) dest=${1#*=} ;;
    --persist) persist=1 ;;
    --keep) keep=1 ;;
    --log) need_arg "$1" $#; log=$2; shift ;;
    --log=*) log=${1#*=} ;;
    --mem|--cpus|--accel|--port) need_arg "$1" $#; boot_args+=("$1" "$2"); shift ;;
    --mem=*|--cpus=*|--accel=*|--port=*) boot_args+=("$1") ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
  shift
done
[[ -z $boot_timeout ]] || is_uint "$boot_timeout" || usage_error "bad --boot-timeout / VM_BOOT_TIMEOUT '$boot_timeout'"
is_uint "$test_timeout" || usage_error "bad --test-timeout '$test_timeout'"
[[ $dest =~ ^/[A-Za-z0-9._/-]+$ && $dest != / && ! $dest =~ (^|/)\.\.(/|$) ]] || usage_error "bad --dest '$dest' (an absolute path, not /)"
[[ -z ${TPO_FUZZ_SECONDS:-} ]] || is_uint "$TPO_FUZZ_SECONDS" || usage_error "bad TPO_FUZZ_SECONDS '$TPO_FUZZ_SECONDS'"
cmd=("$@")
((${#cmd[@]})) || cmd=(scripts/test.sh)
if [[ -n $rev ]]; then
  git -C "$REPO_DIR" rev-parse --verify -q "$rev^{commit}" >/dev/null || usage_error "--rev '$rev' is not a commit of $REPO_DIR"
  rev=$(git -C "$REPO_DIR" rev-parse --verify "$rev^{commit}")
fi

fail() { echo "$PROG: $*" >&2; exit 3; }
t0=$SECONDS

# ---- the VM: use the running one, or boot one
booted=0
finish() {
  local rc=$?
  if ((booted && !keep)) && vm_pid >/dev/null; then
    note "powering the VM off"
    "$VM_DIR/boot.sh" --stop --timeout 60 >/dev/null 2>&1 || true
  fi
  note "finished in $(fmt_secs $((SECONDS - t0))) with status $rc"
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if pid=$(vm_pid); then
  note "using the running VM (pid $pid)"
  SSH_PORT=$(vm_state port)
  [[ -n $boot_timeout ]] || boot_timeout=60
else
  [[ -s $IMAGE ]] || fail "no image $IMAGE; run vm/build-image.sh first"
  snap=(--snapshot); ((persist)) && snap=()
  "$VM_DIR/boot.sh" --daemon "${snap[@]}" --log "$log" "${boot_args[@]}" || fail "boot.sh failed"
  booted=1
  pid=$(vm_pid) || fail "qemu is not running after boot.sh (console: $log)"
  SSH_PORT=$(vm_state port)
  if [[ -z $boot_timeout ]]; then
    if [[ $(vm_state accel) == kvm ]]; then boot_timeout=180; else boot_timeout=900; fi
  fi
fi
note "waiting up to $boot_timeout s for SSH on port $SSH_PORT"
b0=$SECONDS
if ! wait_ssh "$boot_timeout" "$pid"; then
  [[ -r $log ]] && ((booted)) && { echo "--- last console lines ($log):" >&2; tail -n 20 "$log" | tr -d '\r' >&2; }
  fail "no SSH answer within $boot_timeout s"
fi
note "SSH up after $(fmt_secs $((SECONDS - b0))); kernel $(vm_ssh uname -r </dev/null)"

# ---- copy the checkout: git's tracked and untracked-but-not-ignored files as they are on disk
# (or the tree of --rev), so no build directories, vm/out or other ignored files
c0=$SECONDS
cd "$REPO_DIR"
list_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done
  else
    find . \( -name .git -o -name 'build*' -o -path ./vm/out \) -prune -o \( -type f -o -type l \) -print0
  fi
}
if [[ -n $rev ]]; then
  what="commit ${rev:0:12}"
  nfiles=$(git ls-tree -r --name-only "$rev" | wc -l)
  tar_out() { git archive --format=tar "$rev"; }
else
  what="the work tree"
  nfiles=$(list_files | tr -cd '\0' | wc -c)
  tar_out() { list_files | tar --null -T - -cf -; }
fi
tar_out | vm_ssh "rm -rf '$dest' && mkdir -p '$dest' && tar -xf - -C '$dest'" ||
  fail "copying $what to $dest in the VM failed"
note "copied $what ($nfiles files) to $dest in $(fmt_secs $((SECONDS - c0)))"

# ---- run the tests
remote="cd '$dest' && exec env${TPO_FUZZ_SECONDS:+ TPO_FUZZ_SECONDS=$TPO_FUZZ_SECONDS} $(printf '%q ' "${cmd[@]}")"
note "running in the VM: ${cmd[*]}"
r0=$SECONDS
rc=0
if ((test_timeout > 0)); then
  timeout "$test_timeout" ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" root@127.0.0.1 "$remote" </dev/null || rc=$?
else
  vm_ssh "$remote" </dev/null || rc=$?
fi
if ((rc == 124 && test_timeout > 0)); then
  note "${cmd[*]} still running after $test_timeout s; stopped waiting"
elif ((rc == 255)); then
  note "SSH failed or the connection dropped (status 255)"
fi
note "${cmd[*]} took $(fmt_secs $((SECONDS - r0))), status $rc"
exit "$rc"
