"""RecordingHost saves what a real host answers; ReplayHost serves it back."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from deuxvie.host import (
    CommandNotFound,
    LocalHost,
    RecordingHost,
    ReplayHost,
    ReplayMissing,
)


def test_record_then_replay_commands_and_files(tmp_path: Path) -> None:
    src = tmp_path / "sysattr"
    src.write_bytes(b"LENOVO\n")
    bundle = tmp_path / "bundle"
    rec = RecordingHost(LocalHost(), bundle)
    live = rec.run([sys.executable, "-c", "import sys; print('hé'); sys.exit(3)"])
    assert live.returncode == 3
    assert rec.read_text_or(str(src)) == "LENOVO"
    assert rec.read_text_or(str(tmp_path / "nope")) is None
    with pytest.raises(CommandNotFound):
        rec.run(["definitely-not-a-tool-xyz"])

    rep = ReplayHost(bundle)
    again = rep.run([sys.executable, "-c", "import sys; print('hé'); sys.exit(3)"])
    assert again.returncode == 3
    assert again.text == "hé\n"
    assert rep.read_text_or(str(src)) == "LENOVO"
    assert rep.read_text_or(str(tmp_path / "nope")) is None
    with pytest.raises(CommandNotFound):
        rep.run(["definitely-not-a-tool-xyz"])


def test_replay_names_what_is_missing(tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    RecordingHost(LocalHost(), bundle)
    rep = ReplayHost(bundle)
    with pytest.raises(ReplayMissing, match=r"smartctl.*-x"):
        rep.run(["smartctl", "-x", "--json", "/dev/sda"])
    with pytest.raises(ReplayMissing, match="/sys/class/dmi/id/product_name"):
        rep.read_bytes("/sys/class/dmi/id/product_name")


def test_replay_serves_repeated_commands_in_order(tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    (bundle / "cmd").mkdir(parents=True)
    (bundle / "manifest.json").write_text(
        json.dumps({"format": "deuxvie-bundle/1", "closed_world": True})
    )
    for i, text in enumerate(["running 10%", "running 90%", "done"]):
        (bundle / "cmd" / f"{i}.out").write_text(text)
    argv = ["smartctl", "-c", "/dev/sda"]
    (bundle / "commands.json").write_text(
        json.dumps([{"argv": argv, "returncode": 0, "stdout": f"cmd/{i}.out"} for i in range(3)])
    )
    rep = ReplayHost(bundle)
    seen = [rep.run(argv).text for _ in range(4)]
    assert seen == ["running 10%", "running 90%", "done", "done"]
    # closed world: files not given are absent, not an error
    assert not rep.exists("/sys/class/power_supply/BAT0")
    with pytest.raises(FileNotFoundError):
        rep.read_bytes("/sys/class/power_supply/BAT0/uevent")


def test_not_a_bundle(tmp_path: Path) -> None:
    with pytest.raises(ReplayMissing, match="not a deuxvie bundle"):
        ReplayHost(tmp_path)


def test_a_file_that_refuses_a_read_is_replayed_as_such(tmp_path: Path) -> None:
    """sysfs `speed` of a NIC whose link is down exists but fails with EINVAL."""
    import errno as errno_mod

    from deuxvie.host import RecordingHost, ReplayHost
    from deuxvie.host.local import LocalHost

    class Refusing(LocalHost):
        def read_bytes(self, path: str) -> bytes:
            raise OSError(errno_mod.EINVAL, "Invalid argument", path)

    rec = RecordingHost(Refusing(), tmp_path / "b")
    for make in (lambda: rec, lambda: ReplayHost(tmp_path / "b")):
        host = make()
        try:
            host.read_bytes("/sys/class/net/eth0/speed")
        except FileNotFoundError:
            raise AssertionError("recorded as missing, not as unreadable") from None
        except OSError as exc:
            assert exc.errno == errno_mod.EINVAL
        else:
            raise AssertionError("the read did not fail")
        assert host.read_text_or("/sys/class/net/eth0/speed") is None


def test_a_file_read_again_replays_its_last_state(tmp_path: Path) -> None:
    """carrier of a NIC: EINVAL while it is down, "1" once the check brought it up."""
    import errno as errno_mod

    from deuxvie.host import RecordingHost, ReplayHost
    from deuxvie.host.local import LocalHost

    class Carrier(LocalHost):
        up = False

        def read_bytes(self, path: str) -> bytes:
            if not self.up:
                raise OSError(errno_mod.EINVAL, "Invalid argument", path)
            return b"1\n"

    inner = Carrier()
    rec = RecordingHost(inner, tmp_path / "b")
    assert rec.read_text_or("/sys/class/net/eth0/carrier") is None
    inner.up = True
    assert rec.read_text_or("/sys/class/net/eth0/carrier") == "1"
    assert ReplayHost(tmp_path / "b").read_text_or("/sys/class/net/eth0/carrier") == "1"
