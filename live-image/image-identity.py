"""Write the identity of a deuxvie image as JSON: which build erased a disk (docs/adr/0063).

NIST SP 800-88 Rev. 1 appendix G asks a certificate for the tool used and its version; a
network that withdraws a faulty image must find every certificate it made. So each image
says what it is, and the agent copies this into the signed report:

    {"kind": "live-iso" | "test-guest", "version": "0.1.0", "commit": "<40 hex>",
     "dirty": false, "built_at": "2026-12-02T16:50:00Z", "rootfs_sha256": "<64 hex>" | null}

`rootfs_sha256` is the SHA-256 of the root filesystem image (the ISO's
live/filesystem.squashfs). It cannot live inside that filesystem, so the ISO carries two
files: /opt/deuxvie/IMAGE.json inside the root filesystem (no hash) and
live/deuxvie-image.json beside the squashfs on the medium (the same fields + the hash),
written by a live-build binary hook once the squashfs exists.

    image-identity.py --kind KIND --repo DIR [--built-at ISO] --out FILE
    image-identity.py --from FILE --rootfs SQUASHFS --out FILE

Standard library only: it runs on the build machine with whatever python3 is there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

KINDS = ("live-iso", "test-guest")


def agent_version(repo: Path) -> str:
    text = (repo / "agent" / "deuxvie" / "__init__.py").read_text()
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if match is None:
        raise SystemExit("no __version__ in agent/deuxvie/__init__.py")
    return match.group(1)


def git(repo: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def identity(kind: str, repo: Path, built_at: str | None = None) -> dict[str, object]:
    if kind not in KINDS:
        raise SystemExit(f"unknown image kind {kind!r} (one of {', '.join(KINDS)})")
    commit = git(repo, "rev-parse", "HEAD")
    # what goes into the image: an uncommitted change there makes the commit a lie
    status = git(repo, "status", "--porcelain", "--", "agent", "live-image", "pyproject.toml")
    when = built_at or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "kind": kind,
        "version": agent_version(repo),
        "commit": commit if commit and re.fullmatch(r"[0-9a-f]{40}", commit) else None,
        "dirty": bool(status) if status is not None else None,
        "built_at": when,
        "rootfs_sha256": None,
    }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kind", choices=KINDS)
    parser.add_argument("--repo", type=Path)
    parser.add_argument("--built-at")
    parser.add_argument("--from", dest="source", type=Path, help="an identity to complete")
    parser.add_argument("--rootfs", type=Path, help="the root filesystem image to hash")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.source is not None:
        data = json.loads(args.source.read_text())
    elif args.kind and args.repo:
        data = identity(args.kind, args.repo, args.built_at)
    else:
        parser.error("give --kind and --repo, or --from")
    if args.rootfs is not None:
        data["rootfs_sha256"] = sha256_file(args.rootfs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(json.dumps(data, sort_keys=True), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
