# Shared helpers of the live-image build scripts (sourced, not run).
# shellcheck shell=bash

LIVE_IMAGE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${DEUXVIE_IMAGE_CACHE:-$LIVE_IMAGE_DIR/cache}"

# Package names of packages.list, comments and blanks stripped, one per line, sorted, so a
# comment edit does not invalidate the cached rootfs.
package_names() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$LIVE_IMAGE_DIR/packages.list" | grep -v '^$' | sort -u
}

packages_key() {
  package_names | sha256sum | cut -c1-12
}

# The Debian mirror of this machine's apt sources (deb822 .sources or one-line .list), read at
# run time so no registry host is written into the repository. DEUXVIE_MIRROR overrides.
debian_mirror() {
  if [ -n "${DEUXVIE_MIRROR:-}" ]; then echo "$DEUXVIE_MIRROR"; return; fi
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
      /^URIs:/ {u=$2} /^Suites:/ {if ($0 ~ /bookworm( |$)/) {print u; exit}}')
  if [ -z "$uri" ]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1=="deb" && $3 ~ /^bookworm$/ {print $2; exit}')
  fi
  if [ -z "$uri" ]; then
    echo "no bookworm mirror in /etc/apt sources; set DEUXVIE_MIRROR" >&2
    return 1
  fi
  echo "$uri"
}

# identity_hook IMAGE_JSON: prints the live-build binary hook that writes live/deuxvie-image.json
# (IMAGE_JSON + the SHA-256 of live/filesystem.squashfs) in the binary tree; binary_hooks runs
# it after binary_rootfs made the squashfs and before binary_iso packs the tree (ADR 0063).
identity_hook() {
  cat <<HOOK
#!/bin/sh
set -e
python3 "$LIVE_IMAGE_DIR/image-identity.py" --from "$1" \\
  --rootfs live/filesystem.squashfs --out live/deuxvie-image.json
HOOK
}
