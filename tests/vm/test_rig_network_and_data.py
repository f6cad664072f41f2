"""The rig's plumbing the pipeline tests rely on: the relayed service, the persistent data disk,
and pulling the plug mid-run then booting again on the same disks."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from deuxvie.devtools.vm import (
    SERVICE_GUEST_URL,
    Disk,
    GuestBoot,
    Machine,
    VirtualPc,
    create_data_disk,
    create_image,
    mode_args,
    read_data_disk,
    run_guest,
)

pytestmark = [pytest.mark.qemu, pytest.mark.root]


class _Recorder(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).bodies.append(body)
        reply = b"stored:" + body
        self.send_response(201)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def service() -> Iterator[tuple[int, list[bytes]]]:
    _Recorder.bodies = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], _Recorder.bodies
    finally:
        server.shutdown()
        server.server_close()


GUEST_SCRIPT = f"""
python3 - <<'PY'
import socket, urllib.request
for i in (1, 2):  # two requests: QEMU starts one relay per connection
    req = urllib.request.Request("{SERVICE_GUEST_URL}/reports", data=b"report-%d" % i)
    print(urllib.request.urlopen(req, timeout=30).read().decode())
for host, port in (("10.0.2.2", 22), ("10.0.2.2", 8080), ("192.0.2.1", 80)):
    try:
        socket.create_connection((host, port), timeout=5).close()
        print("reached", host, port)
    except OSError:
        print("blocked", host, port)
PY
cat /run/deuxvie/data/deuxvie.toml
echo "spooled in the guest" > /run/deuxvie/data/spool/from-guest.txt
"""


def test_guest_reaches_only_the_relayed_service_and_keeps_data(
    guest_boot: GuestBoot, vm_dir: Path, service: tuple[int, list[bytes]]
) -> None:
    port, bodies = service
    files = vm_dir / "data-in"
    (files / "spool").mkdir(parents=True)
    (files / "deuxvie.toml").write_text('language = "fr"\n')
    data = vm_dir / "data.img"
    create_data_disk(data, files=files)
    machine = Machine(screen=None, service_port=port, data_disk=data)

    run = run_guest(machine, guest_boot, vm_dir, "shell-cmd", shell_cmd=GUEST_SCRIPT, timeout_s=600)

    assert run.exit_code == 0, run.console[-3000:]
    lines = run.results.splitlines()
    assert lines[:2] == ["stored:report-1", "stored:report-2"]
    assert bodies == [b"report-1", b"report-2"]
    # restrict=on: neither the host's other ports nor any outside address
    assert lines[2:5] == ["blocked 10.0.2.2 22", "blocked 10.0.2.2 8080", "blocked 192.0.2.1 80"]
    assert lines[5] == 'language = "fr"'
    back = read_data_disk(data, vm_dir / "data-out")
    assert (back / "spool" / "from-guest.txt").read_text() == "spooled in the guest\n"


def test_power_loss_then_boot_again_on_the_same_disks(guest_boot: GuestBoot, vm_dir: Path) -> None:
    disk = vm_dir / "nvme.img"
    create_image(disk, 64 * 1024 * 1024, b"donor data\n" * 4)  # 44 bytes: crosses 1 MiB
    machine = Machine(screen=None, disks=(Disk.nvme(disk, serial="DVNVMEPWR1"),))
    slow_writer = """
dev=/dev/$(lsblk -dno NAME,SERIAL | awk '$2=="DVNVMEPWR1" {print $1}')
dd if=/dev/zero of=$dev bs=1M count=1 oflag=direct 2>/dev/null && sync
echo first-MiB-written
sleep 600
"""
    with VirtualPc(machine, guest_boot, vm_dir, mode_args("shell-cmd", slow_writer)) as pc:
        pc.wait_for_result("first-MiB-written", timeout_s=600)
        pc.kill()
        run = pc.wait(timeout_s=10)
    assert run.qemu_returncode is None  # killed by the rig: a power loss
    assert run.exit_code is None  # the guest never finished its command
    image = disk.read_bytes()
    assert image[: 1024 * 1024] == bytes(1024 * 1024)
    untouched = vm_dir / "untouched.img"
    create_image(untouched, 64 * 1024 * 1024, b"donor data\n" * 4)
    assert image[1024 * 1024 :] == untouched.read_bytes()[1024 * 1024 :]

    lsblk = "lsblk -dno SERIAL,SIZE -b | grep DVNVMEPWR1"
    again = run_guest(
        machine,
        guest_boot,
        vm_dir,
        "shell-cmd",
        name="second-boot",
        shell_cmd=lsblk,
        timeout_s=600,
    )
    assert again.exit_code == 0, again.console[-3000:]
    assert again.results.split() == ["DVNVMEPWR1", str(64 * 1024 * 1024)]
