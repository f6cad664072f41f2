#!/usr/bin/env bash
# build-initramfs.sh: the QEMU test guest, built from the same packages.list as the ISO.
# Prints two lines: the kernel path and the initramfs path.
# The initramfs is three concatenated cpio archives (the kernel unpacks them in turn):
#   base   the rootfs without docs/locales/apt state, only guest-modules.list modules (cached)
#   deps   the agent's pip dependencies (cached by requirements, see install-agent.sh)
#   agent  the agent from this checkout and /init (rebuilt every time: a second or two)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

rootfs=$("$LIVE_IMAGE_DIR/build-rootfs.sh")
kver=$(ls "$rootfs/lib/modules" | sort -V | tail -1)
out="$CACHE_DIR/test-guest"
mkdir -p "$out"

cpio_of() {  # cpio_of DIR FILE: newc archive of DIR, owned by root, stable order
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$2.tmp"
  mv "$2.tmp" "$2"
}

base_key=$( { echo "$rootfs"; cat "$LIVE_IMAGE_DIR/guest-modules.list" "$0"; } | sha256sum | cut -c1-12)
base="$out/base-$base_key.cpio"
if [ ! -f "$base" ]; then
  stage=$(mktemp -d "$CACHE_DIR/.stage.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  tar -C "$rootfs" -cf - \
    --exclude=./usr/share/doc --exclude=./usr/share/man --exclude=./usr/share/info \
    --exclude=./usr/share/locale --exclude=./usr/share/i18n --exclude=./usr/share/lintian \
    --exclude=./var/cache/apt --exclude=./var/lib/apt/lists --exclude=./var/cache/debconf \
    --exclude=./usr/lib/firmware --exclude=./lib/firmware \
    --exclude=./lib/modules --exclude=./usr/lib/modules --exclude=./boot \
    --exclude=./.deuxvie-complete . | tar -C "$stage" -xf -
  mkdir -p "$stage/lib/modules/$kver"
  modules=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$LIVE_IMAGE_DIR/guest-modules.list" | grep -v '^$')
  for m in $modules; do
    # "insmod PATH" lines are what to copy; "builtin NAME" needs nothing.
    chroot "$rootfs" modprobe -S "$kver" --show-depends "$m" | awk '$1=="insmod" {print $2}'
  done | sort -u | while read -r ko; do
    mkdir -p "$stage$(dirname "$ko")"
    cp -a "$rootfs$ko" "$stage$ko"
  done
  cp -a "$rootfs/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$stage/lib/modules/$kver/"
  chroot "$stage" /sbin/depmod "$kver"
  rm -f "$stage/init"
  mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
  rm -f "$out"/base-*.cpio
  cpio_of "$stage" "$base"
  rm -rf "$stage"
  trap - EXIT
fi

deps_stage=$(mktemp -d "$CACHE_DIR/.deps.XXXXXX")
agent_stage=$(mktemp -d "$CACHE_DIR/.agent.XXXXXX")
trap 'rm -rf "$deps_stage" "$agent_stage"' EXIT
"$LIVE_IMAGE_DIR/install-agent.sh" "$deps_stage" deps
deps_key=$(cat "$deps_stage/opt/deuxvie/lib/.deps-key")
deps="$out/deps-$deps_key.cpio"
if [ ! -f "$deps" ]; then
  rm -f "$out"/deps-*.cpio
  cpio_of "$deps_stage" "$deps"
fi
"$LIVE_IMAGE_DIR/install-agent.sh" "$agent_stage" agent
# its identity (docs/adr/0063): a test guest, never mistaken for a released image
python3 "$LIVE_IMAGE_DIR/image-identity.py" --kind test-guest --repo "$LIVE_IMAGE_DIR/.." \
  --out "$agent_stage/opt/deuxvie/IMAGE.json" 2>/dev/null
install -m 755 "$LIVE_IMAGE_DIR/init/init" "$agent_stage/init"
cpio_of "$agent_stage" "$out/agent.cpio"

cat "$base" "$deps" "$out/agent.cpio" > "$out/initrd.cpio.tmp"
mv "$out/initrd.cpio.tmp" "$out/initrd.cpio"
cp "$rootfs/boot/vmlinuz-$kver" "$out/vmlinuz.tmp" && mv "$out/vmlinuz.tmp" "$out/vmlinuz"
echo "$out/vmlinuz"
echo "$out/initrd.cpio"
