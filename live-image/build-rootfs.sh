#!/usr/bin/env bash
# Debian 12 rootfs with packages.list, cached under cache/rootfs-<hash of the package names>.
# Prints the rootfs directory. A fresh machine takes about 2 minutes (debootstrap).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

key=$(packages_key)
rootfs="$CACHE_DIR/rootfs-$key"
if [ -f "$rootfs/.deuxvie-complete" ]; then
  echo "$rootfs"
  exit 0
fi

mkdir -p "$CACHE_DIR"
mirror=$(debian_mirror)
tmp="$CACHE_DIR/.rootfs-$key.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
include=$(package_names | paste -sd, -)
echo "debootstrap bookworm ($key) into $tmp" >&2
# minbase: only Essential + apt; everything else comes from packages.list. The kernel's
# postinst needs no initramfs-tools here (we build our own initramfs).
debootstrap --variant=minbase --include="$include" bookworm "$tmp" "$mirror" >&2
chroot "$tmp" apt-get clean
printf '%s\n' "$(package_names)" > "$tmp/.deuxvie-packages"
touch "$tmp/.deuxvie-complete"
rm -rf "$rootfs"
mv "$tmp" "$rootfs"
trap - EXIT
# Older rootfs of other package lists are dead weight (820 MB each).
find "$CACHE_DIR" -maxdepth 1 -name 'rootfs-*' ! -name "rootfs-$key" -exec rm -rf {} +
echo "$rootfs"
