"""A real CUPS pipeline: `lp` (run through LocalHost) -> a private cupsd on 127.0.0.1 ->
a capture backend writing the job to a file. Nothing touches the machine's own CUPS: the
daemon gets its own ServerRoot/ServerBin in tmp_path and a random port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deuxvie.demo import free_port
from deuxvie.host.local import LocalHost
from deuxvie.label.config import PrinterConfig
from deuxvie.label.printers import print_label
from PIL import Image
from pyzbar.pyzbar import decode
from report_sample import ASSET_ID, SERVER

pytestmark = [
    pytest.mark.skipif(
        not all(shutil.which(t) for t in ("cupsd", "lp", "lpadmin")),
        reason="cups-daemon and cups-client are installed by make setup",
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="cupsd runs its backends as user lp"),
]

# The backend CUPS runs for "capture:/path" URIs (argv: job user title copies options
# [file]; no argument = device discovery).
BACKEND = """#!/bin/sh
[ $# -eq 0 ] && { echo 'direct capture "Unknown" "deuxvie test capture"'; exit 0; }
out="${DEVICE_URI#capture:}"
if [ -n "$6" ]; then cat "$6" > "$out.part"; else cat > "$out.part"; fi
mv "$out.part" "$out"
"""


@pytest.fixture
def cups_queue() -> Iterator[tuple[str, Path]]:
    # Not pytest's tmp_path: /tmp/pytest-of-root is mode 700 and the backend runs as lp.
    base = Path(tempfile.mkdtemp(prefix="deuxvie-cups-"))
    try:
        yield from _cups_queue(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _cups_queue(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "cups"
    for sub in ("spool", "cache", "state", "log", "tmp", "ppd", "bin/backend"):
        (root / sub).mkdir(parents=True)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out_dir.chmod(0o777)  # the backend runs as lp
    for path in (tmp_path, root):
        path.chmod(0o755)
    backend = root / "bin" / "backend" / "capture"
    backend.write_text(BACKEND)
    backend.chmod(0o755)
    # cupsd starts backends through $ServerBin/daemon/cups-exec.
    (root / "bin" / "daemon").symlink_to("/usr/lib/cups/daemon")
    port = free_port()
    (root / "cupsd.conf").write_text(
        f"Listen 127.0.0.1:{port}\nLogLevel info\nWebInterface No\nBrowsing No\n"
        "DefaultAuthType None\n<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {root}/spool\nCacheDir {root}/cache\n"
        f"StateDir {root}/state\nTempDir {root}/tmp\nServerBin {root}/bin\n"
        f"AccessLog {root}/log/access_log\nErrorLog {root}/log/error_log\n"
        f"PageLog {root}/log/page_log\nUser lp\nGroup lp\n"
    )
    daemon = subprocess.Popen(
        ["cupsd", "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or daemon.poll() is not None:
                    raise RuntimeError(f"private cupsd did not start ({root}/log)") from None
                time.sleep(0.1)
        env = dict(os.environ, CUPS_SERVER=server)
        # Raw queue (no filters): the backend receives the PNG exactly as lp sent it.
        subprocess.run(
            ["lpadmin", "-p", "deuxvie-test", "-E", "-v", f"capture:{out_dir}/job", "-m", "raw"],
            env=env,
            check=True,
            capture_output=True,
        )
        yield server, out_dir / "job"
    finally:
        daemon.terminate()
        daemon.wait(timeout=20)


def test_label_through_a_real_cups_queue(
    report: dict[str, Any], cups_queue: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, out = cups_queue
    monkeypatch.setenv("CUPS_SERVER", server)  # LocalHost passes the environment to lp
    config = PrinterConfig.from_spec("cups:deuxvie-test", size="29x90", server=SERVER)
    job = print_label(report, config, LocalHost())
    deadline = time.monotonic() + 30
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert out.exists(), "the CUPS job never reached the backend (see its error_log)"
    assert out.read_bytes() == job.data
    codes = {(d.type, d.data.decode()) for d in decode(Image.open(out).convert("L"))}
    assert ("CODE128", ASSET_ID) in codes
