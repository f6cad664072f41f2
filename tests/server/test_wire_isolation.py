"""deuxvie.wire must import without the agent's hardware dependencies (the service uses it
alone, DESIGN.md "Coordination service")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = r"""
import sys
# None in sys.modules makes `import X` raise ImportError: the hardware stack is "absent".
for name in ("psutil", "pySMART", "smbus2", "dmidecode", "rich", "numpy", "PIL", "segno"):
    sys.modules[name] = None
import deuxvie.wire as w
loaded = sorted(m for m in sys.modules if m.startswith("deuxvie"))
assert loaded == ["deuxvie", "deuxvie.wire", "deuxvie.wire.dsse", "deuxvie.wire.errors",
                  "deuxvie.wire.identity", "deuxvie.wire.keys", "deuxvie.wire.receipt",
                  "deuxvie.wire.schema"], loaded
key = w.generate_private_key()
env = w.sign_report({"x": 1}, key)
kid = w.key_id(key.public_key())
assert w.decode_payload_json(w.verify(env, {kid: key.public_key()}.get)) == {"x": 1}
assert w.report_errors({}) != []
print("isolated-ok")
"""


def test_wire_imports_alone_with_hardware_libs_blocked() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60,
        cwd=REPO / "agent",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "isolated-ok"


def test_blocking_really_blocks() -> None:
    # guard against a vacuous test: the same trick must make psutil unimportable
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['psutil'] = None; import psutil"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0 and "None in sys.modules" in proc.stderr


GLPI_PROBE = r"""
import sys
for name in ("psutil", "pySMART", "smbus2", "dmidecode", "rich", "numpy", "PIL", "segno"):
    sys.modules[name] = None
from deuxvie.wire.glpi import glpi_inventory
loaded = sorted(m for m in sys.modules if m.startswith("deuxvie") and not m.startswith(
    "deuxvie.wire"))
assert loaded == ["deuxvie"], loaded
doc = glpi_inventory({"inventory": {}})
assert doc["itemtype"] == "Computer"
print("glpi-isolated-ok")
"""


def test_glpi_mapping_imports_without_the_agent() -> None:
    # the service serves /api/v1/devices/<id>/glpi.json with this module alone (ADR 0080)
    proc = subprocess.run(
        [sys.executable, "-c", GLPI_PROBE], capture_output=True, text=True, timeout=60,
        cwd=REPO / "agent",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "glpi-isolated-ok"
