"""Network boot (PXE) of the virtual donated PC with no stick: QEMU's firmware runs iPXE,
which fetches boot.ipxe, the test guest's kernel and its initramfs from QEMU's TFTP server
(-netdev user,tftp=DIR,bootfile=boot.ipxe); the agent reads its config and the bench's
station from an HTTP URL on the kernel command line, runs unattended with its spool in RAM,
and the report is at the service before the machine powers off."""

from __future__ import annotations

import base64
import importlib.util
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from deuxvie.devtools.pxe import BOOTFILE, stage_test_guest
from deuxvie.devtools.vm import (
    HTTP_GUEST_URL,
    SERVICE_GUEST_URL,
    Disk,
    GuestBoot,
    Machine,
    VirtualPc,
    create_image,
    mode_args,
)

from .machines import MIB, SMBIOS, all_zero
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
power_off = true
[server]
url = "{SERVICE_GUEST_URL}"
[station]
operator = "Banc PXE"
organisation = "Atelier de test"
[lot]
id = "LOT-PXE"
[wipe]
method = "purge"
verify = "full"
[tests]
selftest = "none"
cpu_stress_s = 3
ram_test_pct = 2
"""


@contextmanager
def http_folder(root: Path) -> Iterator[tuple[int, list[str]]]:
    """The PXE server's HTTP side on 127.0.0.1: serves `root`, records the paths asked."""
    asked: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            asked.append(self.path)

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_pxe_boot_without_stick_runs_and_delivers(guest_boot: GuestBoot, vm_dir: Path) -> None:
    tftp = vm_dir / "tftp"
    stage_test_guest(guest_boot, tftp)
    served = vm_dir / "pxe-http"
    (served / "deuxvie").mkdir(parents=True)
    (served / "deuxvie" / "deuxvie.toml").write_text(CONFIG)
    nvme = vm_dir / "nvme.img"
    create_image(nvme, 64 * MIB, b"donor data on the PXE bench NVMe\n")

    with running_service(vm_dir) as service:
        service.enrol(served / "deuxvie" / "station")
        with http_folder(served) as (http_port, asked):
            machine = Machine(
                disks=(Disk.nvme(nvme, serial="DVPXENVME1"),),
                smbios=SMBIOS,
                service_port=service.port,
                http_port=http_port,
                pxe_dir=tftp,
                kernel_args=(f"deuxvie.config={HTTP_GUEST_URL}/deuxvie/deuxvie.toml",),
            )
            with VirtualPc(machine, guest_boot, vm_dir, mode_args("run"), name="pxe") as pc:
                # booted by the firmware over the network, not by QEMU's -kernel
                assert "-kernel" not in pc.argv and "order=n" in pc.argv
                assert any(f"tftp={tftp},bootfile={BOOTFILE}" in a for a in pc.argv)
                run = pc.wait(1500)
        uuids = service.report_uuids()
        envelope = (
            service.envelope(uuids[0]) if uuids else None
        )

    log = run.results[-4000:] + run.console[-3000:]
    assert run.exit_code == 0, log
    script = (tftp / BOOTFILE).read_text()
    assert script.startswith("#!ipxe") and "initrd initrd.cpio.zst" in script
    assert "/deuxvie/deuxvie.toml" in asked  # config from the network
    assert {"/deuxvie/station/station.json", "/deuxvie/station/station.key"} <= set(asked)
    assert len(uuids) == 1, log
    assert envelope is not None
    report = json.loads(base64.b64decode(envelope["payload"]))
    bench = json.loads((served / "deuxvie" / "station" / "station.json").read_text())
    assert report["station"]["key_id"] == bench["key_id"]  # signed with the bench's key
    assert report["operator"] == "Banc PXE" and report["lot"]["id"] == "LOT-PXE"
    assert report["device"]["serial"] == SMBIOS.serial
    erasure = {r["media"]["serial"]: r for r in report["erasure"]}
    assert erasure["DVPXENVME1"]["status"] == "ERASED"
    assert all_zero(nvme)
    # delivered, then (and only then) the power-off countdown
    text = run.results
    assert "Extinction dans" in text, log
    assert "NON envoyé" not in text
