#!/usr/bin/env bash
# build-iso.sh: the live USB image, live-image/build/deuxvie-amd64.iso (docs/adr/0061).
# live-build (Debian 12) from packages.list + the agent + iso/includes.chroot, then a FAT
# partition labelled DEUXVIE appended with xorriso: written to a stick with dd, it is the
# writable data partition (deuxvie.toml, spool, certificates, labels, logs).
# live-build keeps its bootstrap and package caches in cache/lb/cache between builds.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
repo=$(cd "$LIVE_IMAGE_DIR/.." && pwd)
out="$LIVE_IMAGE_DIR/build"
lbdir="$CACHE_DIR/lb"
data_mib=${DEUXVIE_DATA_MIB:-64}
mkdir -p "$out" "$lbdir"

mirror=$(debian_mirror)
security=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
    /^URIs:/ {u=$2} /^Suites:/ {if ($0 ~ /bookworm-security/) {print u; exit}}')
security=${DEUXVIE_SECURITY_MIRROR:-${security:-$mirror-security}}

cd "$lbdir"
# keep cache/ (debootstrap stage and .debs), drop the previous chroot and binary trees
lb clean --all >/dev/null 2>&1 || true
rm -rf config
lb config \
  --distribution bookworm --architectures amd64 \
  --binary-images iso-hybrid --bootloaders "grub-efi syslinux" \
  --archive-areas "main non-free-firmware" --parent-archive-areas "main non-free-firmware" \
  --apt-recommends false --debian-installer none --memtest none \
  --firmware-binary false --firmware-chroot false \
  --chroot-squashfs-compression-type zstd \
  --cache true --cache-packages true --cache-stages bootstrap \
  --mirror-bootstrap "$mirror" --mirror-chroot "$mirror" --mirror-binary "$mirror" \
  --parent-mirror-bootstrap "$mirror" --parent-mirror-chroot "$mirror" \
  --parent-mirror-binary "$mirror" \
  --mirror-chroot-security "$security" --mirror-binary-security "$security" \
  --parent-mirror-chroot-security "$security" --parent-mirror-binary-security "$security" \
  --iso-application deuxvie --iso-volume DEUXVIE_LIVE --iso-publisher deuxvie \
  --bootappend-live "boot=live components quiet noautologin hostname=deuxvie console=ttyS0,115200 console=tty0" \
  >/dev/null

# packages: the shared list + the ISO's own: NIC/Wi-Fi firmware from non-free-firmware, and
# zstd so initramfs-tools compresses live-boot's initrd with zstd (else it falls back to gzip,
# slower to unpack under QEMU TCG and on old PCs)
package_names > config/package-lists/deuxvie.list.chroot
printf '%s\n' firmware-realtek firmware-iwlwifi firmware-bnx2 zstd >> config/package-lists/deuxvie.list.chroot

# the agent, the session, root's autologin on tty1
cp -a "$LIVE_IMAGE_DIR/iso/includes.chroot/." config/includes.chroot/
"$LIVE_IMAGE_DIR/install-agent.sh" "$lbdir/config/includes.chroot" all
# the image's identity (docs/adr/0063): version, commit, build date inside the root filesystem;
# the same + the SHA-256 of live/filesystem.squashfs beside it on the medium, written by a
# binary hook (binary_hooks runs after binary_rootfs made the squashfs, before binary_iso)
built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
python3 "$LIVE_IMAGE_DIR/image-identity.py" --kind live-iso --repo "$repo" --built-at "$built_at" \
  --out config/includes.chroot/opt/deuxvie/IMAGE.json 2>/dev/null
identity_hook "$lbdir/config/includes.chroot/opt/deuxvie/IMAGE.json" \
  > config/hooks/normal/9100-deuxvie-identity.hook.binary
chmod +x config/hooks/normal/9100-deuxvie-identity.hook.binary
# drop docs and locales the agent never shows (the same trim as the test initramfs)
cat > config/hooks/normal/9000-deuxvie-trim.hook.chroot <<'HOOK'
#!/bin/sh
set -e
rm -rf /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/lintian/*
find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'fr*' ! -name 'en*' ! -name 'locale.alias' -exec rm -rf {} +
HOOK
chmod +x config/hooks/normal/9000-deuxvie-trim.hook.chroot

# boot menus: 1 s, then the live entry (isolinux counts tenths of a second; 0 = wait forever)
mkdir -p config/bootloaders
cp -a /usr/share/live/build/bootloaders/isolinux config/bootloaders/
sed -i 's/^timeout 0$/timeout 10/' config/bootloaders/isolinux/isolinux.cfg
cp -a /usr/share/live/build/bootloaders/grub-pc config/bootloaders/
printf 'set default=0\nset timeout=1\n' > config/bootloaders/grub-pc/config.cfg
# a second entry: station mode (loose disks hot-plugged into a dock, `deuxvie station-mode`,
# README "deuxvie station-mode"): the same system with deuxvie.mode=station appended
{ cat /usr/share/live/build/bootloaders/syslinux_common/live.cfg.in
  printf '\nlabel live-@FLAVOUR@-station\n\tmenu label deuxvie : ^poste d'"'"'effacement de disques / disk station\n'
  printf '\tlinux @LINUX@\n\tinitrd @INITRD@\n\tappend @APPEND_LIVE@ deuxvie.mode=station\n'
} > config/bootloaders/isolinux/live.cfg.in
sed -i 's|^@LINUX_LIVE@$|@LINUX_LIVE@\
menuentry "deuxvie : poste d'"'"'effacement de disques / disk station" {\
linux @KERNEL_LIVE@ @APPEND_LIVE@ deuxvie.mode=station\
initrd @INITRD_LIVE@\
}|' config/bootloaders/grub-pc/grub.cfg
grep -q 'deuxvie.mode=station' config/bootloaders/grub-pc/grub.cfg || { echo "grub station entry missing" >&2; exit 1; }

start=$(date +%s)
lb build > "$out/lb-build.log" 2>&1 || { tail -40 "$out/lb-build.log" >&2; exit 1; }
iso=$(ls -t "$lbdir"/*.hybrid.iso | head -1)

# the writable data partition: FAT (editable from any workshop PC), label DEUXVIE
data="$lbdir/deuxvie-data.fat"
rm -f "$data"
mkfs.vfat -C -n DEUXVIE "$data" $((data_mib * 1024)) >/dev/null
for d in spool certificates labels logs; do mmd -i "$data" "::$d"; done
example="$repo/docs/deuxvie.example.toml"
[ -f "$example" ] && mcopy -i "$data" "$example" "::deuxvie.toml.example"
# partition 3 (live-build's GPT/MBR already hold the ISO and the EFI image), type 0x0c FAT32 LBA
rm -f "$out/deuxvie-amd64.iso"
xorriso -indev "$iso" -outdev "$out/deuxvie-amd64.iso" -boot_image any replay \
  -append_partition 3 0x0c "$data" -commit >>"$out/lb-build.log" 2>&1
end=$(date +%s)
size=$(stat -c %s "$out/deuxvie-amd64.iso")
echo "built $out/deuxvie-amd64.iso: $size bytes in $((end - start)) s" >&2
xorriso -osirrox on -indev "$out/deuxvie-amd64.iso" -extract /live/deuxvie-image.json "$out/deuxvie-image.json" >/dev/null 2>&1
echo "identity: $(tr -d '\n' < "$out/deuxvie-image.json")" >&2
echo "$out/deuxvie-amd64.iso"
