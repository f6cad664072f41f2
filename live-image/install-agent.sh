#!/usr/bin/env bash
# install-agent.sh DEST [deps|agent|all]
# Installs the deuxvie agent into the tree DEST (a staged rootfs or live-build's
# config/includes.chroot) for Debian 12's /usr/bin/python3 (3.11):
#   DEST/opt/deuxvie/lib        pip dependencies (cached by the hash of the requirements)
#   DEST/opt/deuxvie/agent      the deuxvie package itself, from agent/ of this checkout
#   DEST/usr/local/bin/deuxvie  the command
# Wheels are chosen for CPython 3.11 / manylinux x86_64 whatever the host python is, and
# byte-compiled ahead (unchecked-hash .pyc) so the first start under QEMU TCG is not spent
# compiling. See docs/adr/0060-agent-runtime-in-the-image.md.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dest=$1
what=${2:-all}
repo=$(cd "$LIVE_IMAGE_DIR/.." && pwd)
hostpy=${DEUXVIE_BUILD_PYTHON:-$repo/.venv/bin/python}
[ -x "$hostpy" ] || hostpy=python3

# Debian 12 has glibc 2.36: every manylinux tag up to 2.36 fits (cryptography ships 2_34).
glibc_platforms() {
  local minor
  for minor in $(seq 36 -1 5); do printf -- '--platform manylinux_2_%s_x86_64 ' "$minor"; done
  printf -- '--platform manylinux2014_x86_64 --platform manylinux2010_x86_64 --platform linux_x86_64'
}

install_deps() {
  local reqs key deps tmp
  reqs=$("$hostpy" "$LIVE_IMAGE_DIR/agent-requirements.py" "$repo/pyproject.toml")
  # the layout version is part of the key: a change in how deps are staged rebuilds them
  key=$(printf '%s\n' "$reqs" "layout 2" | sha256sum | cut -c1-12)
  deps="$CACHE_DIR/agent-deps-$key"
  if [ ! -f "$deps/.deuxvie-complete" ]; then
    tmp="$deps.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    printf '%s\n' "$reqs" > "$tmp/.requirements.txt"
    echo "$key" > "$tmp/.deps-key"
    # 1) wheels of every requirement (pure-Python sdists are built into py3-none-any wheels);
    # 2) install only from those wheels, for the guest's tags: a wheel that does not fit
    #    CPython 3.11 on manylinux x86_64 fails here, on the build machine, not in the guest.
    "$hostpy" -m pip wheel -q --progress-bar off --wheel-dir "$tmp/.wheels" -r "$tmp/.requirements.txt" >&2
    "$hostpy" -m pip install -q --no-compile --target "$tmp" --no-index \
      --only-binary=:all: --implementation cp --python-version 3.11 --abi cp311 \
      $(glibc_platforms) \
      --find-links "$tmp/.wheels" -r "$tmp/.requirements.txt" >&2
    rm -rf "$tmp/.wheels" "$tmp/bin"
    # the packages' own test suites (18 MB, numpy most) are never imported at run time
    find "$tmp" -mindepth 2 -type d -name tests -prune -exec rm -rf {} +
    "$hostpy" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$tmp" >/dev/null || true
    touch "$tmp/.deuxvie-complete"
    rm -rf "$deps"
    mv "$tmp" "$deps"
    find "$CACHE_DIR" -maxdepth 1 -name 'agent-deps-*' ! -name "agent-deps-$key" -exec rm -rf {} +
  fi
  mkdir -p "$dest/opt/deuxvie/lib"
  cp -a "$deps/." "$dest/opt/deuxvie/lib/"
}

install_agent() {
  mkdir -p "$dest/opt/deuxvie/agent" "$dest/usr/local/bin"
  rm -rf "$dest/opt/deuxvie/agent/deuxvie"
  cp -a "$repo/agent/deuxvie" "$dest/opt/deuxvie/agent/"
  find "$dest/opt/deuxvie/agent" -name __pycache__ -prune -exec rm -rf {} +
  "$hostpy" -m compileall -q --invalidation-mode unchecked-hash "$dest/opt/deuxvie/agent" >/dev/null
  # The agent version is what `deuxvie --version` says; the image records its git commit too.
  git -C "$repo" rev-parse HEAD > "$dest/opt/deuxvie/COMMIT" 2>/dev/null || echo unknown > "$dest/opt/deuxvie/COMMIT"
  cat > "$dest/usr/local/bin/deuxvie" <<'SH'
#!/bin/sh
# deuxvie agent on the live image: Debian's python3 with the agent's own library folders.
PYTHONPATH=/opt/deuxvie/agent:/opt/deuxvie/lib${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH
exec /usr/bin/python3 -m deuxvie "$@"
SH
  chmod 755 "$dest/usr/local/bin/deuxvie"
}

case $what in
  deps) install_deps ;;
  agent) install_agent ;;
  all) install_deps; install_agent ;;
  *) echo "usage: $0 DEST [deps|agent|all]" >&2; exit 2 ;;
esac
