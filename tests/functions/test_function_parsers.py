"""The pure parsers of the functions inventory (issue #12)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest
from deuxvie.parsers import ParseError
from deuxvie.parsers.asound import parse_asound
from deuxvie.parsers.input_devices import bitmap, parse_input_devices
from deuxvie.parsers.iw import firmware_failures, parse_iw_dev, parse_iw_scan
from deuxvie.parsers.v4l2 import parse_v4l2_all
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

QEMU_INPUT = """I: Bus=0019 Vendor=0000 Product=0001 Version=0000
N: Name="Power Button"
P: Phys=LNXPWRBN/button/input0
S: Sysfs=/devices/LNXSYSTM:00/LNXPWRBN:00/input/input0
U: Uniq=
H: Handlers=kbd event0
B: PROP=0
B: EV=3
B: KEY=10000000000000 0

I: Bus=0003 Vendor=0627 Product=0001 Version=0111
N: Name="QEMU QEMU USB Keyboard"
P: Phys=usb-0000:00:04.0-1/input0
S: Sysfs=/devices/pci0000:00/0000:00:04.0/usb1/1-1/1-1:1.0/0003:0627:0001.0001/input/input2
U: Uniq=68284-0000:00:04.0-1
H: Handlers=sysrq kbd leds event1
B: PROP=0
B: EV=120013
B: KEY=1000000000007 ff800000000007ff febeffdff3cfffff fffffffffffffffe
B: MSC=10
B: LED=1f

I: Bus=0003 Vendor=0627 Product=0001 Version=0001
N: Name="QEMU QEMU USB Tablet"
P: Phys=usb-0000:00:04.0-2/input0
S: Sysfs=/devices/pci0000:00/0000:00:04.0/usb1/1-2/1-2:1.0/0003:0627:0001.0002/input/input3
U: Uniq=28754-0000:00:04.0-2
H: Handlers=mouse0 event2
B: PROP=0
B: EV=1f
B: KEY=70000 0 0 0 0
B: REL=900
B: ABS=3
B: MSC=10
"""


def test_bitmap_reads_words_most_significant_first() -> None:
    assert bitmap("3") == {0, 1}
    assert bitmap("70000 0 0 0 0") == {272, 273, 274}  # BTN_LEFT/RIGHT/MIDDLE
    with pytest.raises(ParseError):
        bitmap("zz")


def test_qemu_usb_keyboard_and_tablet() -> None:
    devs = {d.name: d for d in parse_input_devices(QEMU_INPUT)}
    kbd, tab = devs["QEMU QEMU USB Keyboard"], devs["QEMU QEMU USB Tablet"]
    assert (kbd.kind, kbd.bus, kbd.internal, kbd.vendor) == ("keyboard", "usb", False, "0627")
    assert (tab.kind, tab.bus) == ("pointing", "usb")  # ABS_X/ABS_Y + BTN_LEFT
    assert devs["Power Button"].kind == "other"
    assert parse_input_devices("") == ()
    with pytest.raises(ParseError):
        parse_input_devices("garbage line\n")
    with pytest.raises(ParseError):
        parse_input_devices('N: Name="no bus"\n')


def test_asound_cards_and_pcms() -> None:
    cards = parse_asound(
        " 0 [Intel          ]: HDA-Intel - HDA Intel\n"
        "                      HDA Intel at 0xfebf0000 irq 24\n",
        "00-00: Generic Analog : Generic Analog : playback 1 : capture 1\n")
    assert [(c.index, c.id, c.playback, c.capture) for c in cards] == [(0, "Intel", (0,), (0,))]
    assert parse_asound("--- no soundcards ---\n", "") == ()
    with pytest.raises(ParseError):
        parse_asound("not a card list\n", "")
    with pytest.raises(ParseError):
        parse_asound(" 0 [X ]: a - b\n  b\n", "what is this\n")


def test_iw_dev_scan_and_firmware_lines() -> None:
    ifaces = parse_iw_dev("phy#1\n\tInterface wlan1\n\t\tifindex 4\n\t\taddr 02:00:00:00:01:00\n"
                          "\t\ttype managed\nphy#0\n\tInterface wlan0\n\t\ttype AP\n")
    assert [(i.phy, i.name, i.type) for i in ifaces] == [("phy1", "wlan1", "managed"),
                                                         ("phy0", "wlan0", "AP")]
    assert parse_iw_dev("") == ()
    with pytest.raises(ParseError):
        parse_iw_dev("Interface x\n")
    (bss,) = parse_iw_scan("BSS 02:00:00:00:00:00(on wlan1) -- associated\n\tsignal: -30.00 dBm"
                           "\n\tSSID: deuxvie-test\n")
    assert (bss.bssid, bss.ssid, bss.signal_dbm) == ("02:00:00:00:00:00", "deuxvie-test", -30.0)
    log = ("[    4.1] iwlwifi 0000:03:00.0: Direct firmware load for iwlwifi-8265-36.ucode failed"
           " with error -2\n[    4.2] Bluetooth: hci0: Direct firmware load for intel/ibt-12-16"
           ".sfi failed with error -2\n[    4.3] iwlwifi 0000:03:00.0: loaded firmware ok\n")
    assert firmware_failures(log, ("iwlwifi",)) == (
        "iwlwifi 0000:03:00.0: Direct firmware load for iwlwifi-8265-36.ucode failed with "
        "error -2",)
    assert len(firmware_failures(log, ("Bluetooth: hci0",))) == 1
    assert firmware_failures(log, ()) == ()


def test_v4l2_all_capture_and_metadata_nodes() -> None:
    info = parse_v4l2_all("Driver Info:\n\tDriver name      : uvcvideo\n\tDevice Caps      : "
                          "0x04200001\n\t\tVideo Capture\n\t\tStreaming\nFormat Video Capture:\n"
                          "\tWidth/Height      : 640/480\n\tPixel Format      : 'YUYV' (YUYV 4:2:2)"
                          "\n\tSize Image        : 614400\n")
    assert (info.driver, info.capture, info.width, info.height, info.pixel_format,
            info.size_image) == ("uvcvideo", True, 640, 480, "YUYV", 614400)
    meta = parse_v4l2_all("Driver Info:\n\tDriver name      : uvcvideo\n\tDevice Caps      : "
                          "0x04a00000\n\t\tMetadata Capture\n")
    assert not meta.capture and meta.size_image is None
    with pytest.raises(ParseError):
        parse_v4l2_all("Cannot open device /dev/video9\n")


LAPTOP = Path(__file__).resolve().parents[1] / "data" / "bundles" / "laptop-t440"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _only_parse_error(parse: Callable[[str], object], text: str) -> None:
    with contextlib.suppress(ParseError):
        parse(text)


def _mutate(sample: str, data: st.DataObject) -> str:
    cut = data.draw(st.integers(0, len(sample)))
    junk = data.draw(st.text(max_size=40))
    return sample[:cut] + junk + sample[cut + data.draw(st.integers(0, 20)):]


PARSE_SAMPLES: dict[str, tuple[Callable[[str], object], str]] = {
    "input": (parse_input_devices, (LAPTOP / "fs/proc/bus/input/devices").read_text()),
    "asound": (lambda t: parse_asound(t, t), (LAPTOP / "fs/proc/asound/cards").read_text()
               + (LAPTOP / "fs/proc/asound/pcm").read_text()),
    "v4l2": (parse_v4l2_all, (LAPTOP / "cmd/v4l2-video0.out").read_text()),
    "iw_dev": (parse_iw_dev, "phy#0\n\tInterface wlan0\n\t\taddr 02:00:00:00:00:00\n"
               "\t\ttype managed\n"),
    "iw_scan": (parse_iw_scan, "BSS 02:00:00:00:00:00(on wlan1)\n\tsignal: -30.00 dBm\n"
                "\tSSID: x\n"),
}


@pytest.mark.parametrize("kind", sorted(PARSE_SAMPLES))
@FUZZ
@given(data=st.data())
def test_mutated_captures_raise_only_parse_error(kind: str, data: st.DataObject) -> None:
    parse, sample = PARSE_SAMPLES[kind]
    _only_parse_error(parse, _mutate(sample, data))


@pytest.mark.parametrize("kind", sorted(PARSE_SAMPLES))
@FUZZ
@given(text=st.text(max_size=300))
def test_random_text_raises_only_parse_error(kind: str, text: str) -> None:
    _only_parse_error(PARSE_SAMPLES[kind][0], text)
