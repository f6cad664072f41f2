"""The image identity (ADR 0063): what `make image` and the test guest's build write, and what
the agent reads back into the signed report."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import deuxvie
from deuxvie.host.base import HostError
from deuxvie.host.local import LocalHost
from deuxvie.report.image import MEDIUM_IDENTITY, ROOTFS_IDENTITY, image_hash, image_identity

REPO = Path(__file__).resolve().parents[2]
LIVE = REPO / "live-image"


def _head() -> str:
    return subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip


def _identity(tmp_path: Path, kind: str) -> dict:
    out = tmp_path / "IMAGE.json"
    subprocess.run(["python3", str(LIVE / "image-identity.py"), "--kind", kind, "--repo",
                    str(REPO), "--built-at", "2026-12-02T16:50:00Z", "--out", str(out)],
                   check=True, capture_output=True)  # fmt: skip
    return json.loads(out.read_text())


def test_iso_build_hook_hashes_the_squashfs_it_sits_beside(tmp_path: Path) -> None:
    """build-iso.sh's own binary hook (lib.sh identity_hook), run as live-build runs it: in the
    binary tree, after the squashfs exists."""
    own = _identity(tmp_path, "live-iso")
    assert own == {"kind": "live-iso", "version": deuxvie.__version__, "commit": _head(),
                   "dirty": own["dirty"], "built_at": "2026-12-02T16:50:00Z",
                   "rootfs_sha256": None}  # fmt: skip
    assert isinstance(own["dirty"], bool)
    hook = tmp_path / "9100-deuxvie-identity.hook.binary"
    script = f'source "{LIVE}/lib.sh"; identity_hook "{tmp_path / "IMAGE.json"}"'
    hook.write_text(subprocess.run(["bash", "-c", script], check=True, capture_output=True,
                                   text=True).stdout)  # fmt: skip
    hook.chmod(0o755)
    binary = tmp_path / "binary"
    (binary / "live").mkdir(parents=True)
    squashfs = binary / "live" / "filesystem.squashfs"
    squashfs.write_bytes(b"hsqs" + bytes(range(256)) * 4096)
    subprocess.run([str(hook)], cwd=binary, check=True, capture_output=True)
    medium = json.loads((binary / "live" / "deuxvie-image.json").read_text())
    assert medium["rootfs_sha256"] == hashlib.sha256(squashfs.read_bytes()).hexdigest()
    assert {k: v for k, v in medium.items() if k != "rootfs_sha256"} == {
        k: v for k, v in own.items() if k != "rootfs_sha256"}


class _Files(LocalHost):
    """This machine, but for the files the image would hold."""

    def __init__(self, files: dict[str, str]) -> None:
        super().__init__()
        self.files = files

    def read_text(self, path: str) -> str:
        if path not in self.files:
            raise HostError(f"{path}: no such file")
        return self.files[path]


def test_agent_reads_the_identity_and_the_matching_medium_hash(tmp_path: Path) -> None:
    own = _identity(tmp_path, "live-iso")
    medium = dict(own, rootfs_sha256="ab" * 32)
    host = _Files({ROOTFS_IDENTITY: json.dumps(own), MEDIUM_IDENTITY: json.dumps(medium)})
    identity = image_identity(host)
    assert identity == medium
    assert image_hash(identity) == "sha256:" + "ab" * 32
    # a medium from another build (the stick rewritten while this one runs) lends no hash
    other = dict(medium, built_at="2026-12-03T08:00:00Z")
    host = _Files({ROOTFS_IDENTITY: json.dumps(own), MEDIUM_IDENTITY: json.dumps(other)})
    assert image_identity(host) == own and image_hash(image_identity(host)) is None
    # outside an image, or a file that is not JSON: no identity, never a guess
    assert image_identity(_Files({})) is None
    assert image_identity(_Files({ROOTFS_IDENTITY: "not json"})) is None


def test_test_guest_identity_validates_in_the_report_schema(tmp_path: Path) -> None:
    from deuxvie import wire

    guest = _identity(tmp_path, "test-guest")
    assert guest["kind"] == "test-guest" and guest["rootfs_sha256"] is None
    example = json.loads((REPO / "tests" / "data" / "report-example.json").read_text())
    example["agent"]["image"] = guest
    wire.validate_report(example)
    example["agent"]["image"] = dict(guest, kind="someone-else's")
    try:
        wire.validate_report(example)
    except Exception as exc:  # the schema names the field
        assert "kind" in str(exc) or "image" in str(exc)
    else:
        raise AssertionError("an unknown image kind was accepted")
