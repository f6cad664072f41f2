"""Which image this agent runs from (written by `make image` / the test guest's build,
live-image/image-identity.py; docs/adr/0063), for the signed report.

    /opt/deuxvie/IMAGE.json                    inside the root filesystem: kind, version,
                                               commit, dirty, built_at
    /run/live/medium/live/deuxvie-image.json   beside the squashfs on the stick (live-boot
                                               mounts the medium there): the same fields
                                               + rootfs_sha256, which cannot be inside

The medium's file is trusted only when it describes the same build (same commit and build
time) as the root filesystem's: a stick rewritten with another ISO while this one runs
must not lend it its hash. Outside an image (a development machine) there is none: None.
"""

from __future__ import annotations

import json
import re
from typing import Any

from deuxvie.host.base import Host, HostError

ROOTFS_IDENTITY = "/opt/deuxvie/IMAGE.json"
MEDIUM_IDENTITY = "/run/live/medium/live/deuxvie-image.json"
FIELDS = ("kind", "version", "commit", "dirty", "built_at", "rootfs_sha256")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _load(host: Host, path: str) -> dict[str, Any] | None:
    try:
        data = json.loads(host.read_text(path))
    except (HostError, OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def image_identity(host: Host) -> dict[str, Any] | None:
    """The image identity (FIELDS; unknown ones None), or None outside an image."""
    own = _load(host, ROOTFS_IDENTITY)
    if own is None:
        return None
    identity = {key: own.get(key) for key in FIELDS}
    medium = _load(host, MEDIUM_IDENTITY)
    if medium is not None and all(medium.get(k) == own.get(k) for k in ("commit", "built_at")):
        rootfs = medium.get("rootfs_sha256")
        identity["rootfs_sha256"] = rootfs if isinstance(rootfs, str) and _HEX64.fullmatch(
            rootfs) else None
    return identity


def image_hash(identity: dict[str, Any] | None) -> str | None:
    """The report's `agent.image_hash`: "sha256:<hex>" of the root filesystem image."""
    rootfs = (identity or {}).get("rootfs_sha256")
    return f"sha256:{rootfs}" if isinstance(rootfs, str) and _HEX64.fullmatch(rootfs) else None
