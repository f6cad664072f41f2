"""Station mode in the virtual PC (one boot for every assertion): the guest boots with
`deuxvie.mode=station` on its kernel command line; disks are hot-plugged with QMP
device_add (USB mass storage, virtio-blk, and virtio-scsi scsi-hd since QEMU cannot
hot-plug onto AHCI, which the test checks), one of them behind blkdebug errors; a fourth,
throttled, is pulled out with device_del in the middle of its overwrite."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import json
import re
import sqlite3
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from deuxvie.devtools.qmp import Qmp, QmpError, add_disk, remove_disk
from deuxvie.devtools.vm import (
    SERVICE_GUEST_URL,
    Disk,
    GuestBoot,
    Machine,
    VirtualPc,
    create_boot_stick,
    create_image,
    mode_args,
)

from .machines import BAD_READ, BAD_WRITE, USB_PATTERN, all_zero
from .service import running_service

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.root,
    pytest.mark.skipif(
        importlib.util.find_spec("deuxvie_server.app") is None, reason="no service"
    ),
]
MIB = 1024 * 1024
CONFIG = f"""\
language = "fr"
[server]
url = "{SERVICE_GUEST_URL}"
[station]
operator = "Test QEMU"
organisation = "Atelier de test"
[lot]
id = "LOT-DISQUES"
[wipe]
method = "purge"
verify = "full"
"""
# `deuxvie run` (what the live image starts) turns into station mode by the kernel command
# line; the script stops it (SIGTERM) once four disks are finished, then the guest powers off.
SCRIPT = r"""
D=/run/deuxvie/data
udevadm monitor --udev --property --subsystem-match=block > $D/udev-capture.udev &
mon=$!
deuxvie run --config $D/deuxvie.toml > /tmp/station.log 2>&1 &
pid=$!
tail -n +1 -f /tmp/station.log &
tailpid=$!
while kill -0 $pid 2>/dev/null; do
  [ "$(grep -c DEUXVIE-STATION-DISK /tmp/station.log)" -ge 4 ] && break
  sleep 1
done
sleep 1
kill -TERM $pid; wait $pid; rc=$?
sleep 1; kill $mon $tailpid
cp /tmp/station.log $D/station.log
sync
exit $rc
"""


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return bytes(resp.read())


def _covers(errors: list[dict[str, Any]], offset: int) -> bool:
    return any(e["offset_bytes"] <= offset < e["offset_bytes"] + e["length_bytes"] for e in errors)


def _wait_line(vm: VirtualPc, pattern: str, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in vm.results_text().splitlines():
            if re.search(pattern, line):
                return line
        if not vm.running:
            break
        time.sleep(0.2)
    raise AssertionError(f"{pattern!r} not seen\n{vm.results_text()[-3000:]}\n"
                         f"{vm.console_text()[-2000:]}")


def test_station_mode_hotplugged_disks(guest_boot: GuestBoot, vm_dir: Path) -> None:
    with running_service(vm_dir) as service:
        files = vm_dir / "stick-data"
        files.mkdir()
        (files / "deuxvie.toml").write_text(CONFIG)
        service.enrol(files / "station")
        stick_files = vm_dir / "stick-files"
        stick_files.mkdir()
        (stick_files / "README.txt").write_text("deuxvie live stick (test)\n")
        stick = create_boot_stick(vm_dir / "stick.img", 64 * MIB, USB_PATTERN, stick_files,
                                  files)
        stick_before = stick.digest_outside_data()
        images = {n: vm_dir / f"{n}.img" for n in ("usb", "virtio", "scsi", "pulled")}
        for name, path in images.items():
            size = 64 * MIB if name == "pulled" else 32 * MIB
            create_image(path, size, f"donor data on the {name} disk\n".encode())
        rules = vm_dir / "blkdebug-scsi.conf"
        rules.write_text("\n".join(
            f'[inject-error]\nevent = "{e.event}"\nerrno = "{e.errno}"\n'
            f'sector = "{e.sector_512}"\nonce = "off"\n' for e in (BAD_READ, BAD_WRITE)))
        machine = Machine(
            disks=(Disk.usb(stick.path, serial="DVUSBSTICK"),),
            boot_stick_serial="DVUSBSTICK", screen=None, service_port=service.port,
            qmp=True, kernel_args=("deuxvie.mode=station",),
            controllers=("virtio-scsi-pci,id=scsi0", "ahci,id=ahci"),
        )
        with VirtualPc(machine, guest_boot, vm_dir, mode_args("shell-cmd", SCRIPT),
                       name="station") as vm:
            assert vm.qmp_path is not None
            _wait_line(vm, "DEUXVIE-STATION-READY", 900)
            with Qmp(vm.qmp_path) as qmp:
                # AHCI: QEMU 7.2 refuses hot-plug, so the SATA bay is a virtio-scsi scsi-hd
                with pytest.raises(QmpError, match="does not support hotplugging"):
                    add_disk(qmp, "sata1", "sata", images["scsi"], "DVHOTSATA1")
                add_disk(qmp, "usb1", "usb", images["usb"], "DVHOTUSB01")
                add_disk(qmp, "vir1", "virtio", images["virtio"], "DVHOTVIRT1")
                add_disk(qmp, "scsi1", "scsi", images["scsi"], "DVHOTSCSI1",
                         blkdebug_config=rules)
                # 64 MiB at 1 MiB/s: a minute of overwrite to pull it out in the middle
                add_disk(qmp, "pull1", "usb", images["pulled"], "DVHOTPULL1",
                         bps_write=1 * MIB)
                line = _wait_line(vm, r"DVHOTPULL1 \| écriture \| [1-9]", 900)
                remove_disk(qmp, "pull1")
            run = vm.wait(timeout_s=1500)
        assert run.exit_code == 0, run.results[-4000:] + run.console[-3000:]
        with contextlib.closing(sqlite3.connect(service.db_path)) as db:
            stored = db.execute(
                "SELECT e.disk_serial, e.status, r.uuid, d.chassis_type FROM erasure_records e"
                " JOIN reports r ON r.uuid = e.report_uuid JOIN devices d ON d.id = r.device_id"
            ).fetchall()
        pages = {uuid: _fetch(f"{service.url}/c/{uuid}").decode() for _s, _st, uuid, _c in stored}
        envelopes = {u: service.envelope(u) for u in pages}

    results = run.results
    done = dict(re.findall(r"DEUXVIE-STATION-DISK slot=\d+ device=\S+ serial=(\S+) "
                           r"status=(\S+)", results))
    assert done == {"DVHOTUSB01": "ERASED", "DVHOTVIRT1": "ERASED", "DVHOTSCSI1": "FAILED",
                    "DVHOTPULL1": "INTERRUPTED"}, results[-4000:]
    # the service holds one loose_disk report per disk; never ERASED for the pulled one
    by_serial = {s: (st, uuid, chassis) for s, st, uuid, chassis in stored}
    assert {s: v[0] for s, v in by_serial.items()} == done
    assert all(v[2] == "loose_disk" for v in by_serial.values())
    assert [st for s, st, _u, _c in stored if s == "DVHOTPULL1"] == ["INTERRUPTED"]
    for uuid, page in pages.items():
        assert 'class="banner valid"' in page and 'id="kind-loose-disk"' in page, uuid
    payloads = {json.loads(base64.b64decode(e["payload"]))["erasure"][0]["media"]["serial"]:
                json.loads(base64.b64decode(e["payload"])) for e in envelopes.values()}
    bad = payloads["DVHOTSCSI1"]["erasure"][0]
    assert _covers(bad["errors"], BAD_READ.offset_bytes), bad["errors"]
    assert _covers(bad["errors"], BAD_WRITE.offset_bytes), bad["errors"]
    assert payloads["DVHOTUSB01"]["erasure"][0]["media"]["bus"] == "usb"
    assert payloads["DVHOTVIRT1"]["erasure"][0]["media"]["bus"] == "virtio"
    assert payloads["DVHOTPULL1"]["erasure"][0]["bytes_written"] < 64 * MIB
    # the host reads the images back
    assert all_zero(images["usb"]) and all_zero(images["virtio"])
    assert not all_zero(images["pulled"])
    assert stick.digest_outside_data() == stick_before
    # the pull landed mid-overwrite: its line showed progress (1..99 %)
    assert re.search(r"écriture \| [1-9][0-9]? %", line), line
    # certificates and labels on the stick's data partition, one per disk
    back = stick.read_data(vm_dir / "data-out")
    pdfs = sorted((back / "certificates").glob("*.pdf"))
    labels = sorted((back / "labels").glob("*.png"))
    assert len(pdfs) == 4 and all(p.read_bytes()[:5] == b"%PDF-" for p in pdfs)
    assert len(labels) == 4 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in labels)
    # the screen: one line per disk with model, serial, phase, rate, status; big letters
    assert "EFFACÉ" in results and "ÉCHEC" in results and "INTERROMPU" in results
    assert re.search(r"Mo/s \| ETA", results), results[-3000:]
    capture = back / "udev-capture.udev"
    assert capture.stat().st_size > 0
    (vm_dir / "udev-capture.sha256").write_text(hashlib.sha256(capture.read_bytes()).hexdigest())
