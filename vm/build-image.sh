#!/usr/bin/env bash
# build-image.sh — builds the test VM: a Debian 12 (bookworm) root file system made with debootstrap,
# with 3PO's build dependencies (read from scripts/setup.sh), openssh-server, a serial console and
# Debian's kernel, written to vm/out/disk.qcow2; the kernel and initrd are copied to vm/out/ so that
# boot.sh starts them with -kernel/-initrd (no boot loader). Idempotent: finished steps are skipped.
set -euo pipefail
PROG=build-image.sh
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<EOF
Usage: vm/build-image.sh [OPTIONS]

Builds $OUT/disk.qcow2 (Debian 12 with 3PO's build dependencies), vmlinuz, initrd.img
and the root SSH key id_ed25519 there. Needs root. Steps already done are skipped; run it
again after an interruption and it goes on from the last finished step.

Options:
  --mirror URL          Debian mirror (default: the bookworm one in /etc/apt/sources.list*)
  --size SIZE           size of the disk image, for mkfs.ext4 (default: ${VM_DISK_SIZE:-12G})
  --packages "P1 P2"    more Debian packages to put in the image
  --root-password PW    also allow root to log in on the serial console with PW
                        (default: no password; root logs in by SSH key only)
  --rebuild-image       make the disk image again from the root file system tree
  --force               start again from debootstrap (keeps downloaded packages)
  --remove-rootfs       delete the root file system tree once the image is made
                        (saves ~2 GB; the next run then starts from debootstrap again)
  --no-host-install     do not apt-get install missing host tools; fail instead
  -h, --help            this help

Environment: VM_OUT (output folder, default vm/out), VM_MIRROR, VM_DISK_SIZE, VM_PACKAGES,
VM_ROOT_PASSWORD: defaults for the options above.
Exit status: 0 built (or already up to date), 1 failure, 2 bad command line.
EOF
}

mirror=${VM_MIRROR:-}
size=${VM_DISK_SIZE:-12G}
extra=${VM_PACKAGES:-}
root_pw=${VM_ROOT_PASSWORD:-}
force=0 rebuild_image=0 remove_rootfs=0 host_install=1
while (($#)); do
  case $1 in
    --mirror) need_arg "$1" $#; mirror=$2; shift ;;
    --mirror=*) mirror=${1#*=} ;;
    --size) need_arg "$1" $#; size=$2; shift ;;
    --size=*) size=${1#*=} ;;
    --packages) need_arg "$1" $#; extra=$2; shift ;;
    --packages=*) extra=${1#*=} ;;
    --root-password) need_arg "$1" $#; root_pw=$2; shift ;;
    --root-password=*) root_pw=${1#*=} ;;
    --rebuild-image) rebuild_image=1 ;;
    --force) force=1 ;;
    --remove-rootfs) remove_rootfs=1 ;;
    --no-host-install) host_install=0 ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
  shift
done
[[ $size =~ ^[0-9]+[KMGT]?$ ]] || usage_error "bad --size '$size' (e.g. 12G)"
[[ -z $mirror || $mirror =~ ^(https?|file):// ]] || usage_error "bad --mirror '$mirror' (http://...)"
[[ $extra =~ ^[a-z0-9.+:\ ,-]*$ ]] || usage_error "bad --packages '$extra'"
extra=${extra//,/ }

[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot, mounts)"
[[ $(uname -m) == x86_64 ]] || die "builds an amd64 image and needs an x86_64 host, not $(uname -m)"

mkdir -p "$OUT"
rootfs=$OUT/rootfs
stamps=$OUT/stamps
cache=$OUT/cache                       # downloaded .deb files, kept across --force
mkdir -p "$stamps" "$cache/partial"

# One build at a time.
exec 9>"$OUT/.build.lock"
flock -n 9 || die "another build-image.sh is running (lock $OUT/.build.lock)"

# ---- cleanup on any exit: unmount what we mounted under the rootfs, remove temporary files
tmp_raw=$OUT/disk.raw.tmp
tmp_qcow=$OUT/disk.qcow2.tmp
policy_rc=""
unmount_all() { # everything mounted under the rootfs, deepest first
  local m
  [[ -d $rootfs ]] || return 0
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "$PROG: could not unmount $m" >&2
  done < <(awk -v r="$rootfs/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r)
}
cleanup() {
  local rc=$?
  unmount_all
  [[ -n $policy_rc ]] && rm -f "$policy_rc"
  rm -f "$tmp_raw" "$tmp_qcow"
  ((rc == 0)) || echo "$PROG: failed (exit $rc); run it again to resume" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# mounts left by a build that was killed outright (we hold the lock, so they are not in use)
unmount_all
rm -f "$rootfs/usr/sbin/policy-rc.d"

step_start=$SECONDS
step() { echo "$PROG: [$(fmt_secs $((SECONDS - step_start)))] $*" >&2; }

# ---- host tools
declare -A host_pkg=([debootstrap]=debootstrap [qemu-system-x86_64]=qemu-system-x86 [qemu-img]=qemu-utils
                     [mkfs.ext4]=e2fsprogs [ssh]=openssh-client [ssh-keygen]=openssh-client)
missing=()
for c in "${!host_pkg[@]}"; do
  command -v "$c" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$c" >/dev/null || missing+=("${host_pkg[$c]}")
done
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  ((host_install)) || die "missing host packages: ${missing[*]} (apt-get install them)"
  step "installing host packages: ${missing[*]}"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
    >"$OUT/host-install.log" 2>&1 ||
    { tail -n 20 "$OUT/host-install.log" >&2; die "apt-get install of the host packages failed (log: $OUT/host-install.log)"; }
fi
export PATH=$PATH:/usr/sbin:/sbin

# ---- mirror: the host's bookworm entry (deb822 .sources or one-line .list)
apt_sources() { # prints "URI SUITE" for every enabled deb entry
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] && awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++;
                                       print $i, $(i + 1) }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] && awk 'function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no")
                                              for (u in uris) for (s in suites) print uris[u], suites[s]
                                            types = ""; enabled = ""; delete uris; delete suites }
                        /^[ \t]*$/ { flush(); next }
                        /^[ \t]*#/ { next }
                        tolower($1) == "types:" { $1 = ""; types = $0 " " }
                        tolower($1) == "enabled:" { enabled = tolower($2) }
                        tolower($1) == "uris:" { for (i = 2; i <= NF; i++) uris[i] = $i }
                        tolower($1) == "suites:" { for (i = 2; i <= NF; i++) suites[i] = $i }
                        END { flush() }' "$f"
  done
}
if [[ -z $mirror ]]; then
  mirror=$(apt_sources | awk '$2 == "bookworm" { print $1; exit }')
  [[ -n $mirror ]] || { mirror=http://deb.debian.org/debian; note "no bookworm entry in /etc/apt; using $mirror"; }
fi
mirror=${mirror%/}
security=$(apt_sources | awk '$2 == "bookworm-security" { print $1; exit }')
security=${security%/}

# ---- SSH key for root
if [[ ! -s $KEY || ! -s $KEY.pub ]]; then
  rm -f "$KEY" "$KEY.pub"
  ssh-keygen -q -t ed25519 -N '' -C "root@tpo-vm" -f "$KEY"
  step "made SSH key $KEY"
fi

changed=0
((force)) && rm -f "$stamps"/*
if [[ -e $stamps/rootfs-removed && -s $IMAGE && -s $KERNEL && -s $INITRD ]]; then
  ((rebuild_image)) && die "the root file system tree was removed (--remove-rootfs); use --force to build it again"
  step "up to date: $IMAGE, kernel $(cat "$KREL_FILE" 2>/dev/null) (the tree was removed: --force to build again)"
  exit 0
fi
rm -f "$stamps/rootfs-removed"

# ---- 1. debootstrap (a minimal base with systemd, udev and sshd)
base_pkgs=systemd-sysv,udev,kmod,dbus,iproute2,netbase,openssh-server,procps,less,ca-certificates
if [[ ! -e $stamps/debootstrap ]]; then
  if [[ -e $rootfs ]]; then
    step "removing the unfinished root file system $rootfs"
    if awk -v r="$rootfs/" 'index($2, r) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
      die "something is still mounted under $rootfs; unmount it first"
    fi
    rm -rf --one-file-system "$rootfs"
  fi
  rm -f "$stamps"/*
  step "debootstrap bookworm from $mirror (cache: $cache)"
  debootstrap --arch=amd64 --variant=minbase --include="$base_pkgs" --cache-dir="$cache" \
    bookworm "$rootfs" "$mirror" >"$OUT/debootstrap.log" 2>&1 ||
    { tail -n 20 "$OUT/debootstrap.log" >&2; die "debootstrap failed (full log: $OUT/debootstrap.log)"; }
  touch "$stamps/debootstrap"
  changed=1
  step "debootstrap done"
fi

# ---- 2. packages: Debian's kernel and the project's build dependencies
mapfile -t setup_pkgs < <(sed -n 's/^[[:space:]]*pkgs=(\(.*\))[[:space:]]*$/\1/p' "$REPO_DIR/scripts/setup.sh" | tr ' ' '\n' | grep .)
((${#setup_pkgs[@]})) || die "could not read the package list (pkgs=(...)) from scripts/setup.sh"
# shellcheck disable=SC2206
pkgs=(linux-image-amd64 initramfs-tools "${setup_pkgs[@]}" $extra)
want=$(printf '%s\n' "${pkgs[@]}" | sort -u)

sources="deb $mirror bookworm main
deb $mirror bookworm-updates main
${security:+deb $security bookworm-security main
}"

chroot_mounts() {
  mount -t proc proc "$rootfs/proc"
  mount -t sysfs sysfs "$rootfs/sys"
  mount --bind /dev "$rootfs/dev"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$rootfs/dev/pts"
  mount --bind "$cache" "$rootfs/var/cache/apt/archives"
}

if [[ ! -e $stamps/packages || $(cat "$stamps/packages") != "$want" ]]; then
  step "installing in the image: ${pkgs[*]}"
  printf '%s' "$sources" >"$rootfs/etc/apt/sources.list"
  cp -L /etc/resolv.conf "$rootfs/etc/resolv.conf"     # for apt in the chroot; replaced below
  policy_rc=$rootfs/usr/sbin/policy-rc.d                # no services started in the chroot
  printf '#!/bin/sh\nexit 101\n' >"$policy_rc"; chmod 755 "$policy_rc"
  chroot_mounts
  chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@"' sh "${pkgs[@]}" \
    >"$OUT/packages.log" 2>&1 ||
    { tail -n 30 "$OUT/packages.log" >&2; die "apt-get install in the image failed (full log: $OUT/packages.log)"; }
  unmount_all
  rm -f "$policy_rc"; policy_rc=""
  printf '%s' "$want" >"$stamps/packages"
  changed=1
  step "packages installed"
fi

# ---- 3. configuration (cheap; rewritten when it differs)
put() { # put PATH MODE CONTENT: write a file in the rootfs if its content differs
  local f=$rootfs$1
  if [[ ! -f $f || $(cat "$f") != "$3" ]]; then
    mkdir -p "$(dirname "$f")"
    printf '%s\n' "$3" >"$f"
    changed=1
  fi
  chmod "$2" "$f"
}
put /etc/hostname 644 tpo-vm
put /etc/hosts 644 "127.0.0.1 localhost
127.0.1.1 tpo-vm
::1 localhost ip6-localhost ip6-loopback"
put /etc/fstab 644 "/dev/vda / ext4 errors=remount-ro 0 1"
put /etc/resolv.conf 644 "nameserver 10.0.2.3"     # qemu's user-mode network DNS
put /etc/systemd/network/20-wired.network 644 "[Match]
Name=eth* en*

[Network]
DHCP=yes"
put /etc/ssh/sshd_config.d/tpo-vm.conf 644 "PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no"
mkdir -p "$rootfs/root/.ssh"; chmod 700 "$rootfs/root/.ssh"
put /root/.ssh/authorized_keys 600 "$(cat "$KEY.pub")"
put /etc/apt/sources.list 644 "${sources%$'\n'}"
# a login on the serial console is not slowed down by a missing locale or pager
put /etc/profile.d/tpo-vm.sh 644 'export LANG=C.UTF-8 PAGER=cat SYSTEMD_PAGER=cat'

# units: network by systemd-networkd; getty on the serial console; no timers that start apt
# or man-db in the middle of a test run
units_want="enable systemd-networkd.service serial-getty@ttyS0.service
mask apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer fstrim.timer systemd-networkd-wait-online.service"
if [[ ! -e $stamps/units || $(cat "$stamps/units") != "$units_want" ]]; then
  chroot "$rootfs" systemctl enable systemd-networkd.service serial-getty@ttyS0.service >/dev/null 2>&1
  chroot "$rootfs" systemctl mask apt-daily.timer apt-daily-upgrade.timer man-db.timer \
    e2scrub_all.timer fstrim.timer systemd-networkd-wait-online.service >/dev/null 2>&1
  printf '%s' "$units_want" >"$stamps/units"
  changed=1
fi

if [[ -n $root_pw ]]; then
  pw_sum=$(printf '%s' "$root_pw" | sha256sum | cut -c1-64)
  if [[ ! -e $stamps/root-password || $(cat "$stamps/root-password") != "$pw_sum" ]]; then
    printf 'root:%s\n' "$root_pw" | chroot "$rootfs" chpasswd
    printf '%s' "$pw_sum" >"$stamps/root-password"
    changed=1
  fi
fi

# ---- 4. kernel and initrd for -kernel/-initrd
krel=$(find "$rootfs/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
[[ -n $krel ]] || die "no /boot/vmlinuz-* in the image (did linux-image-amd64 install?)"
[[ -f $rootfs/boot/initrd.img-$krel ]] || die "no /boot/initrd.img-$krel in the image"
cmp -s "$rootfs/boot/vmlinuz-$krel" "$KERNEL" || { cp "$rootfs/boot/vmlinuz-$krel" "$KERNEL"; changed=1; }
cmp -s "$rootfs/boot/initrd.img-$krel" "$INITRD" || { cp "$rootfs/boot/initrd.img-$krel" "$INITRD"; changed=1; }
chmod 644 "$KERNEL" "$INITRD"
echo "$krel" >"$KREL_FILE"

# ---- 5. the disk image: an ext4 file system filled from the tree (mkfs.ext4 -d), as qcow2
if ((changed || rebuild_image)) || [[ ! -s $IMAGE || ! -e $stamps/image ]]; then
  if pid=$(vm_pid); then die "the VM is running (pid $pid) on $IMAGE; stop it first (vm/boot.sh --stop)"; fi
  if awk -v r="$rootfs/" 'index($2, r) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
    die "something is still mounted under $rootfs; not making an image of it"
  fi
  step "making the $size ext4 file system from $rootfs"
  rm -f "$tmp_raw"
  truncate -s "$size" "$tmp_raw"
  mkfs.ext4 -q -F -L tpo-root -d "$rootfs" "$tmp_raw" ||
    die "mkfs.ext4 -d failed (size $size too small?)"
  step "converting to qcow2"
  qemu-img convert -f raw -O qcow2 "$tmp_raw" "$tmp_qcow"
  mv -f "$tmp_qcow" "$IMAGE"
  rm -f "$tmp_raw"
  touch "$stamps/image"
  built=1
else
  built=0
fi

if ((remove_rootfs)); then
  step "removing $rootfs"
  rm -rf --one-file-system "$rootfs"
  rm -f "$stamps"/*
  touch "$stamps/rootfs-removed" "$stamps/image"
fi

if ((built)); then
  step "done: $IMAGE ($(du -h "$IMAGE" | cut -f1) used), kernel $krel"
else
  step "up to date: $IMAGE, kernel $krel"
fi
