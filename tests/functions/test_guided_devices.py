"""The guided checks that drive the machine (speakers left/right, microphone record and
play back, webcam preview, the USB port walk) against fake hosts and scripted keys: the
QEMU rig drives the speaker, microphone and port walk for real (tests/vm)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np
from deuxvie.functions.guided import run_guided
from deuxvie.functions.guided_audio import check_microphone, check_speakers
from deuxvie.functions.guided_usb import check_usb_ports, connectors
from deuxvie.functions.guided_webcam import check_webcam_preview
from deuxvie.functions.layouts import KEY_D, KEY_ENTER, KEY_S
from deuxvie.functions.operator import Operator
from deuxvie.functions.signal import luma_preview, pcm_rms, tone_pcm
from deuxvie.grading.policy import default_policy
from deuxvie.host import CommandNotFound, CommandResult, Host
from deuxvie.model.functions import (
    CheckMethod,
    FunctionInventory,
    FunctionResult,
    FunctionStatus,
    SoundCard,
    UsbBus,
    UsbPort,
    Webcam,
)
from deuxvie.probes.usb import probe_usb_ports

from .test_guided_checks import Script, keys

FP = default_policy().functions
CARD = SoundCard(0, "PCH", "HDA Intel PCH", playback=(0,), capture=(0,))
FI = FunctionInventory(sound_cards=(CARD,))
USB = "/sys/bus/usb/devices"


class Tools(Host):
    """Commands answered by `answer(argv, input)`; every call kept."""

    def __init__(self, answer: Callable[[Sequence[str], bytes | None], CommandResult]) -> None:
        self.answer = answer
        self.calls: list[tuple[list[str], bytes | None]] = []

    def run(self, argv: Sequence[str], *, timeout_s: float = 60.0,
            input_bytes: bytes | None = None) -> CommandResult:
        self.calls.append((list(argv), input_bytes))
        return self.answer(argv, input_bytes)

    def read_bytes(self, path: str) -> bytes:
        raise FileNotFoundError(path)

    def listdir(self, path: str) -> list[str]:
        raise FileNotFoundError(path)

    def exists(self, path: str) -> bool:
        return False

    def realpath(self, path: str) -> str:
        return path

    def which(self, name: str) -> str | None:
        return None


def ok(stdout: bytes = b"") -> CommandResult:
    return CommandResult(argv=(), returncode=0, stdout=stdout, stderr=b"", duration_s=0.1)


def _op(events: list) -> tuple[Operator, io.StringIO]:  # type: ignore[type-arg]
    out = io.StringIO()
    return Operator("Camille", Script(events), out=out, answer_timeout_s=5), out


# ---- speakers and microphone -----------------------------------------------------------

def test_tone_on_one_side_only() -> None:
    pcm = np.frombuffer(tone_pcm(1000, 0.1, 48000, 2, only=1), dtype="<i2").reshape(-1, 2)
    assert not pcm[:, 0].any() and pcm[:, 1].any()


def test_speakers_left_then_right_and_a_silent_side_fails() -> None:
    host = Tools(lambda argv, data: ok())
    op, out = _op(keys(KEY_ENTER, KEY_ENTER))
    r = check_speakers(op, host, FI, FP)
    assert r is not None and r.status is FunctionStatus.PASSED and r.answered_by == "Camille"
    assert r.evidence["answers"] == {"left": "ok", "right": "ok"}
    # the first tone is silent on the right, the second on the left: one side each
    (a1, t1), (a2, t2) = host.calls
    assert a2 == a1  # the same PCM both times, only the tone moves
    assert a1[:4] == ["aplay", "-q", "-D", "plughw:0,0"]
    left, right = (np.frombuffer(t or b"", dtype="<i2").reshape(-1, 2) for t in (t1, t2))
    assert left[:, 0].any() and not left[:, 1].any() and right[:, 1].any()
    assert out.getvalue().index("GAUCHE") < out.getvalue().index("LEFT")  # French first
    r = check_speakers(_op(keys(KEY_ENTER, KEY_D))[0], host, FI, FP)
    assert r is not None and r.status is FunctionStatus.FAILED
    assert r.reasons[0].fr == "Haut-parleur sans son : droit"
    assert r.reasons[0].en == "Speaker silent: right"
    r = check_speakers(_op(keys(KEY_S))[0], host, FI, FP)
    assert r is not None and r.status is FunctionStatus.UNTESTED
    assert r.reasons[0].code == "audio_out.skipped"


def test_speakers_refusing_the_tone_fail_and_no_output_is_not_asked() -> None:
    host = Tools(lambda argv, data: CommandResult((), 1, b"", b"aplay: busy", 0.1))
    r = check_speakers(_op(keys(KEY_ENTER))[0], host, FI, FP)
    assert r is not None and r.status is FunctionStatus.FAILED and "busy" in r.reasons[0].fr
    assert check_speakers(_op([])[0], host, FunctionInventory(), FP) is None


def _voice() -> bytes:
    rng = np.random.default_rng(1)
    return (rng.normal(0, 3000, 16000 * 3)).astype("<i2").tobytes()


def test_microphone_recorded_and_played_back() -> None:
    voice = _voice()

    def tools(argv: Sequence[str], data: bytes | None) -> CommandResult:
        return ok(voice if argv[0] == "arecord" else b"")

    host = Tools(tools)
    r = check_microphone(_op(keys(KEY_ENTER, KEY_ENTER))[0], host, FI)
    assert r is not None and r.status is FunctionStatus.PASSED and r.evidence["rms"] > 1000
    assert [c[0][0] for c in host.calls] == ["arecord", "aplay"]
    assert host.calls[1][1] == voice  # what was recorded is what is played back
    r = check_microphone(_op(keys(KEY_ENTER, KEY_D))[0], host, FI)
    assert r is not None and r.status is FunctionStatus.FAILED
    assert r.reasons[0].code == "audio_in.not_heard"


def test_microphone_silence_fails_whatever_the_answer() -> None:
    host = Tools(lambda argv, data: ok(bytes(96000) if argv[0] == "arecord" else b""))
    r = check_microphone(_op(keys(KEY_ENTER, KEY_ENTER))[0], host, FI)
    assert r is not None and r.status is FunctionStatus.FAILED
    assert r.reasons[0].code == "audio_in.silence" and r.evidence["rms"] == 0.0
    assert pcm_rms(bytes(10)) == 0.0


def test_microphone_without_arecord_is_untested() -> None:
    def missing(argv: Sequence[str], data: bytes | None) -> CommandResult:
        raise CommandNotFound(argv[0])

    r = check_microphone(_op(keys(KEY_ENTER))[0], Tools(missing), FI)
    assert r is not None and r.status is FunctionStatus.UNTESTED
    assert r.reasons[0].code == "audio_in.no_tool"


# ---- webcam preview ---------------------------------------------------------------------

V4L2_ALL = b"""Driver Info:
\tDriver name      : uvcvideo
\tCard type        : Integrated Camera: Integrated C
Format Video Capture:
\tWidth/Height      : 160/120
\tPixel Format      : 'YUYV' (YUYV 4:2:2)
\tSize Image        : 38400
"""


def _frame(bright_left: bool) -> bytes:
    img = np.zeros((120, 160, 2), dtype=np.uint8)
    img[:, :80, 0] = 250 if bright_left else 0
    return img.tobytes()


def test_luma_preview_draws_bright_and_dark_cells() -> None:
    lines = luma_preview(_frame(True), 160, 120, cols=8, rows=2)
    assert lines == ["@@@@    ", "@@@@    "]
    assert luma_preview(b"short", 160, 120) == []


def test_webcam_preview_shows_frames_then_asks() -> None:
    frames = iter([_frame(True), _frame(False)] * 5)

    def tools(argv: Sequence[str], data: bytes | None) -> CommandResult:
        return ok(V4L2_ALL if "--all" in argv else next(frames))

    fi = FunctionInventory(webcams=(Webcam("/dev/video0", "Integrated Camera", "uvcvideo",
                                           True),))
    # no key during the first frame (a timeout), Enter during the second
    op, out = _op(keys(KEY_ENTER))
    waits: list[float] = []
    events = op.events

    class Slow:
        def next_event(self, timeout_s: float) -> None:
            return None

        def next_key(self, timeout_s: float) -> int | None:
            waits.append(timeout_s)
            return events.next_key(timeout_s) if len(waits) > 1 else None

    op.events = Slow()  # type: ignore[assignment]
    r = check_webcam_preview(op, Tools(tools), fi)
    assert r is not None and r.status is FunctionStatus.PASSED
    assert r.evidence["frames_shown"] == 2 and r.evidence["width"] == 160
    assert "@@@@" in out.getvalue() and "WEBCAM" in out.getvalue()
    r = check_webcam_preview(_op(keys(KEY_D))[0], Tools(tools), fi)
    assert r is not None and r.status is FunctionStatus.FAILED


def test_webcam_that_delivers_nothing_fails() -> None:
    def tools(argv: Sequence[str], data: bytes | None) -> CommandResult:
        if "--all" in argv:
            return ok(V4L2_ALL)
        return CommandResult((), 1, b"", b"VIDIOC_STREAMON: Input/output error", 0.1)

    fi = FunctionInventory(webcams=(Webcam("/dev/video0", None, "uvcvideo", True),))
    r = check_webcam_preview(_op([])[0], Tools(tools), fi)
    assert r is not None and r.status is FunctionStatus.FAILED
    assert "Input/output error" in r.reasons[0].fr


# ---- USB port walk ----------------------------------------------------------------------

class Sysfs(Host):
    """A USB sysfs tree: two root hubs (USB 2 bus 1, SuperSpeed bus 2) of `ports` ports,
    peers by port number (as Linux links them on xHCI without ACPI _PLD); `plugged` is
    the set of devices there, changed by the test between polls."""

    def __init__(self, ports: int, types: dict[str, str], plugged: set[str],
                 on_poll: Callable[[int], None] | None = None) -> None:
        self.ports, self.types, self.plugged, self.on_poll = ports, types, plugged, on_poll
        self.polls = 0

    def run(self, argv: Sequence[str], *, timeout_s: float = 60.0,
            input_bytes: bytes | None = None) -> CommandResult:
        raise AssertionError("no command expected")

    def _files(self) -> dict[str, str]:
        f: dict[str, str] = {}
        for bus in (1, 2):
            f[f"{USB}/usb{bus}/maxchild"] = str(self.ports)
            for p in range(1, self.ports + 1):
                f[f"{USB}/{bus}-0:1.0/usb{bus}-port{p}/connect_type"] = \
                    self.types.get(f"{bus}-{p}", "hotplug")
        for dev in self.plugged:
            f[f"{USB}/{dev}/idVendor"], f[f"{USB}/{dev}/idProduct"] = "0781", "5583"
            f[f"{USB}/{dev}/product"] = "Ultra Fit"
        return f

    def read_bytes(self, path: str) -> bytes:
        try:
            return self._files()[path].encode()
        except KeyError:
            raise FileNotFoundError(path) from None

    def listdir(self, path: str) -> list[str]:
        assert path == USB
        self.polls += 1
        if self.on_poll is not None:
            self.on_poll(self.polls)
        return sorted({"usb1", "usb2", "1-0:1.0", "2-0:1.0", *self.plugged})

    def exists(self, path: str) -> bool:
        return path == USB or path.endswith("/peer")

    def realpath(self, path: str) -> str:
        # .../usb1-port3/peer -> .../usb2-port3 and back
        port = path.rsplit("/", 2)[-2]
        bus, num = port[3:].split("-port")
        other = 2 if bus == "1" else 1
        return f"/sys/devices/pci0000:00/0000:00:14.0/usb{other}/{other}-0:1.0/usb{other}-port{num}"

    def which(self, name: str) -> str | None:
        return None


def test_ports_and_connectors_from_sysfs() -> None:
    host = Sysfs(3, {"1-3": "hardwired", "2-3": "not used"}, {"1-1"})
    ports = probe_usb_ports(host)
    assert [p.name for p in ports] == ["1-1", "1-2", "1-3", "2-1", "2-2", "2-3"]
    assert ports[0] == UsbPort("1-1", "hotplug", "2-1", "1-1: 0781:5583 Ultra Fit")
    # the internal webcam's connector (hardwired + not used) is not asked
    assert connectors(ports) == [("1-1", "2-1"), ("1-2", "2-2")]


def test_every_port_walked_passes() -> None:
    # polls 1-3: the check's first look and its port probe; then one poll per loop
    plan = {5: {"1-1", "1-2"}, 7: {"1-1"}, 9: {"1-1", "2-3"}}
    host = Sysfs(3, {}, {"1-1"})  # the boot stick on port 1 from the start

    def poll(n: int) -> None:
        if n in plan:
            host.plugged = set(plan[n])

    host.on_poll = poll
    op, out = _op([])
    r = check_usb_ports(op, host, poll_s=0)
    assert r.status is FunctionStatus.PASSED and r.answered_by == "Camille", r
    assert r.evidence["seen"] == {"1-1/2-1": "present at start", "1-2/2-2": "1-2",
                                  "1-3/2-3": "2-3"}  # a SuperSpeed stick proves its connector
    assert "deuxvie-guided: usb port 1-2/2-2 seen (1-2)" in out.getvalue()


def test_ports_never_seen_are_listed_when_the_operator_is_done() -> None:
    host = Sysfs(4, {}, set())
    host.on_poll = lambda n: host.plugged.add("1-2.1") if n == 5 else None  # via a hub
    op, _ = _op([])
    # Enter only once the stick was seen on port 2
    later = keys(KEY_ENTER)

    class AfterTwoPolls:
        def next_event(self, timeout_s: float) -> None:
            return None

        def next_key(self, timeout_s: float) -> int | None:
            return later.pop(0).code if host.polls >= 6 and later else None

    op.events = AfterTwoPolls()  # type: ignore[assignment]
    r = check_usb_ports(op, host, poll_s=0)
    assert r.status is FunctionStatus.FAILED
    assert r.evidence["never_seen"] == ["1-1/2-1", "1-3/2-3", "1-4/2-4"]
    assert r.reasons[0].fr == "Ports USB sans réaction : 1-1/2-1, 1-3/2-3, 1-4/2-4"


def test_port_walk_skipped_or_abandoned_is_untested() -> None:
    r = check_usb_ports(_op(keys(KEY_S))[0], Sysfs(2, {}, set()), poll_s=0)
    assert r.status is FunctionStatus.UNTESTED and r.reasons[0].code == "usb.skipped"
    t = iter(range(0, 1000, 10))
    r = check_usb_ports(_op([])[0], Sysfs(2, {}, set()), poll_s=0, clock=lambda: next(t))
    assert r.status is FunctionStatus.UNTESTED and r.reasons[0].code == "usb.no_answer"
    assert r.evidence["never_seen"] == ["1-1/2-1", "1-2/2-2"]


def test_run_guided_asks_sound_and_ports_with_a_host() -> None:
    host = Sysfs(1, {}, {"1-1"})
    fi = FunctionInventory(usb_buses=(UsbBus(1, 1, 480.0, "xhci_hcd", ()),))
    auto = tuple(FunctionResult(fid, FunctionStatus.PASSED, CheckMethod.AUTOMATIC, {"a": 1})
                 for fid in ("usb", "audio_out"))
    op, _ = _op([])
    res = {r.id: r for r in run_guided(op, fi, auto, only=("usb",), host=host, policy=FP)}
    assert res["usb"].method is CheckMethod.ATTENDED and res["usb"].evidence["automatic"] == {
        "a": 1}
    assert res["audio_out"] == auto[1]  # no sound card: the automatic result stays
    without_host = run_guided(op, fi, auto, only=("usb",))
    assert without_host == auto


# ---- Wi-Fi scan whose iw never returns ----------------------------------------------------

def test_wifi_scan_that_hangs_reads_the_bss_cache() -> None:
    """iw listens for the scan-done event only after triggering: a scan that ends first
    (or a slow one) leaves it waiting. The check then reads cfg80211's cache until the AP
    shows, and a cache that never lists one is 'no network', not a pass."""
    from deuxvie.functions.checks import check_wifi
    from deuxvie.host import CommandTimeout
    from deuxvie.model.functions import Radio

    from .test_function_checks import SCAN

    def answers(dumps: list[bytes]) -> Tools:
        def tools(argv: Sequence[str], data: bytes | None) -> CommandResult:
            if list(argv[-2:]) == ["wlp3s0", "scan"]:
                raise CommandTimeout("iw: timed out")
            if argv[-1] == "dump":
                return ok(dumps.pop(0) if len(dumps) > 1 else dumps[0])
            return ok()
        return Tools(tools)

    fi = FunctionInventory(radios=(Radio("wifi", "wlp3s0", "iwlwifi", False, False),))
    slept: list[float] = []
    host = answers([b"", b"", SCAN.encode()])
    r = check_wifi(host, fi, slept.append)
    assert r.status is FunctionStatus.PASSED and r.evidence["bss"][0]["ssid"] == "atelier-invites"
    dumps = [c[0] for c in host.calls if c[0][-1] == "dump"]
    assert len(dumps) == 3 and slept.count(3.0) == 2  # polled until the AP was listed
    r = check_wifi(answers([b""]), fi, slept.append)
    assert r.status is FunctionStatus.UNTESTED and r.reasons[0].code == "wifi.no_network"
