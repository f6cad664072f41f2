"""`deuxvie run` on the virtual donated PC, end to end: the report reaches the service through
QEMU's relay, its signature verifies, the certificate page says VALID, the disk images are
what the erasure records claim."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from deuxvie.devtools.vm import SERVICE_GUEST_URL, GuestBoot, create_data_disk, read_data_disk
from deuxvie.devtools.vm import run_guest as boot_and_run

from .machines import BAD_READ, BAD_WRITE, reference_pc
from .service import running_service

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.root,
    pytest.mark.skipif(
        importlib.util.find_spec("deuxvie.commands.run") is None
        or importlib.util.find_spec("deuxvie_server.app") is None,
        reason="`deuxvie run` or the service is not on this branch yet",
    ),
]

CONFIG = f"""\
language = "fr"
unattended = true
power_off = false
[server]
url = "{SERVICE_GUEST_URL}"
[station]
operator = "Test QEMU"
organisation = "Atelier de test"
[donor]
id = "D-QEMU-001"
name = "Donateur de test"
[lot]
id = "LOT-QEMU"
[label]
printer = "file:/run/deuxvie/data/labels/label.png"
[policy]
file = "/run/deuxvie/data/policy.toml"
[wipe]
method = "purge"
verify = "full"
[tests]
selftest = "short"
cpu_stress_s = 5
ram_test_pct = 5
"""
# The virtual PC's disks are 64 MiB each: the default storage minimum (64 GB) would make the
# grade FAIL on storage whatever else happens; everything else is the shipped policy.
POLICY = """\
[minimum]
storage_gb = 0.01
"""


def _all_zero(path: Path) -> bool:
    data = path.read_bytes()
    return data.count(0) == len(data)


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return bytes(resp.read())


def _payload(envelope: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(envelope["payload"])))


def test_run_reports_signed_verified_and_erased(guest_boot: GuestBoot, vm_dir: Path) -> None:
    from deuxvie.wire import dsse, keys

    with running_service(vm_dir) as service:
        files = vm_dir / "stick-data"
        (files / "labels").mkdir(parents=True)
        (files / "deuxvie.toml").write_text(CONFIG)
        (files / "policy.toml").write_text(POLICY)
        service.enrol(files / "station")
        data = vm_dir / "data.img"
        create_data_disk(data, size_mib=128, files=files)
        pc = reference_pc(vm_dir, service_port=service.port, data_disk=data)
        usb_before = hashlib.sha256(pc.usb.read_bytes()).hexdigest()

        run = boot_and_run(pc.machine, guest_boot, vm_dir, "run", timeout_s=1500)

        assert run.exit_code == 0, run.results[-3000:] + run.console[-3000:]
        uuids = service.report_uuids()
        assert len(uuids) == 1, run.results[-3000:]
        page = _fetch(f"{service.url}/c/{uuids[0]}").decode()
        envelope = json.loads(_fetch(f"{service.url}/c/{uuids[0]}.json"))

    # the certificate page re-verified the signature on the service
    assert 'class="banner valid"' in page
    # and it verifies here too, with the station key that stayed on the "stick"
    back = read_data_disk(data, vm_dir / "data-out")
    station_info = json.loads((back / "station" / "station.json").read_text())
    public = keys.public_key_from_b64(station_info["public_key"])
    verified = dsse.verify(envelope, lambda kid: public if kid == keys.key_id(public) else None)
    report = json.loads(verified.payload)
    assert report["uuid"] == uuids[0]

    erasure = {r["media"]["serial"]: r for r in report["erasure"]}
    assert erasure["DVNVME0001"]["status"] == "ERASED"
    assert erasure["DVNVME0001"]["category"] == "Purge"
    assert erasure["DVSATA0001"]["status"] == "ERASED"
    assert erasure["DVVIRTIO01"]["status"] == "ERASED"
    bad = erasure["DVSATA0BAD"]
    assert bad["status"] == "FAILED"
    offsets = {e["offset_bytes"] for e in bad["errors"]}
    assert {BAD_READ.offset_bytes, BAD_WRITE.offset_bytes} <= offsets
    assert erasure.get("DVUSBSTICK", {"status": "SKIPPED"})["status"] == "SKIPPED"
    # a disk that failed its erasure fails the machine
    assert report["grade"]["verdict"] == "FAIL"
    assert report["device"]["system"]["serial"] == "PF1DEUXV" or "PF1DEUXV" in json.dumps(
        report["device"]
    )

    assert _all_zero(pc.nvme)
    assert _all_zero(pc.sata)
    assert hashlib.sha256(pc.usb.read_bytes()).hexdigest() == usb_before
    # the label and the certificate PDF were written to the stick's data partition
    assert list((back / "labels").glob("*.png")), sorted(p.name for p in back.rglob("*"))
