#!/usr/bin/env bash
# make test-debian13: builds the whole project and runs the whole suite on Debian 13
# (trixie), whose libtorch is 2.6 and Qt 6.8, so that the libtorch 2.x side of every
# `#if` in core/model/torch_compat.h is compiled and tested as well as Debian 12's 1.13.
#
# The Debian 13 system is a debootstrap root in build/debian13/root, made once and reused.
# Inside it a newcomer's `make test` runs unchanged: scripts/install-deps.sh installs the
# trixie names of packaging/debian-packages.txt, then configure, build and ctest. The
# source is copied in (tracked and untracked, not ignored, files; modification times kept,
# so the build inside is incremental) and the build folder inside the root is reused.
# Needs root (debootstrap, chroot, mounts). Prints how long each part took.
#
# Usage: test-debian13.sh [COMMAND...]: with a command, runs it in /src inside the root
# instead of `make test` (e.g. `bash` for a shell, or `cmake --build build -- -k 0`).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root_dir=$(realpath -m "${DEBIAN13_ROOT:-$here/build/debian13/root}")
mirror=${DEBIAN13_MIRROR:-http://deb.debian.org/debian}
jobs=${JOBS:-$(nproc)}

[ "$(id -u)" -eq 0 ] || { echo "error: make test-debian13 needs root (debootstrap, chroot and mounts); run it as root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "error: debootstrap is not installed: run make deps" >&2; exit 1; }

started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started )) s"; }

if [ ! -x "$root_dir/usr/bin/apt-get" ]; then
  echo "== debootstrap trixie into $root_dir"
  rm -rf "$root_dir.partial"
  mkdir -p "$(dirname "$root_dir")"
  debootstrap --variant=minbase trixie "$root_dir.partial" "$mirror"
  mv "$root_dir.partial" "$root_dir"
  echo "== Debian 13 root ready after $(elapsed)"
fi
# The host's network settings: its DNS and host names, and the certificate authorities it trusts (npm's
# registry is reached over HTTPS, perhaps through a proxy with its own authority).
cp /etc/resolv.conf "$root_dir/etc/resolv.conf"
cp /etc/hosts "$root_dir/etc/hosts"  # the SLURM test cluster's node is this host, by name
host_ca=/etc/ssl/certs/ca-certificates.crt
[ -f "$host_ca" ] && cp "$host_ca" "$root_dir/etc/ssl/host-ca-certificates.crt"

# Daemons a test left running inside the root (its processes see the root as /) go first.
stop_processes_inside() {
  local proc pids=()
  for proc in /proc/[0-9]*; do
    [ "$(readlink "$proc/root" 2>/dev/null)" = "$root_dir" ] && pids+=("${proc#/proc/}")
  done
  [ ${#pids[@]} -eq 0 ] && return
  kill "${pids[@]}" 2>/dev/null || true
  sleep 2
  kill -9 "${pids[@]}" 2>/dev/null || true
}
# Every mount under the root goes, innermost first: also one an earlier, interrupted run left.
cleanup() {
  local target
  stop_processes_inside
  awk -v root="$root_dir/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r target; do umount -l "$target" 2>/dev/null || true; done
}
trap cleanup EXIT
mount_in() {  # mount_in TARGET MOUNT-ARGS...
  local target="$root_dir$1"
  shift
  mkdir -p "$target"
  mountpoint -q "$target" && return
  mount "$@" "$target"
}
# Kernel file systems for the build and the suite (the SLURM tests start daemons, torch
# reads /proc and /sys). The host's /dev is not bound in: the root keeps the device nodes
# debootstrap made, so that deleting build/ can never reach the host's devices. Unmounted
# on every exit (and `make clean` refuses while anything is mounted).
mount_in /proc -t proc proc
mount_in /sys -t sysfs sysfs
mount_in /dev/pts -t devpts -o newinstance,ptmxmode=0666 devpts
mount_in /dev/shm -t tmpfs tmpfs
mount_in /tmp -t tmpfs tmpfs

echo "== copying the working tree to /src"
mkdir -p "$root_dir/src"
# Files no longer in the tree go; the build folder inside the root stays.
find "$root_dir/src" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
(cd "$here" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf -) | tar -xf - -C "$root_dir/src"

inside() {
  chroot "$root_dir" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
    NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca-certificates.crt \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
if [ $# -gt 0 ]; then
  inside bash -c 'cd /src && "$@"' inside "$@"
  exit
fi
echo "== make test inside Debian 13 (JOBS=$jobs)"
inside bash -c "cd /src && make test JOBS=$jobs && build/app/inoculab-cli system info"
echo "== make test-debian13 passed in $(elapsed)"
