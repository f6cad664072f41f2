"""Every function of the PC (décret 2022-190: all of them tested before "reconditionné").

Two halves: what the inventory found (input devices, sound cards, webcams, radios, USB
buses, backlight, lid, fans, power supplies, optical drives) and what each check said
(`FunctionResult`, one per function id, the `functions` array of the signed report).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from deuxvie.model.common import Reason

# The ids the report carries (issue #12); their order is the order of every table.
FUNCTION_IDS: tuple[str, ...] = (
    "screen", "backlight", "keyboard", "pointing", "audio_out", "audio_in", "webcam",
    "wifi", "ethernet", "bluetooth", "usb", "battery_charge", "fans", "optical",
)


class FunctionStatus(enum.StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    UNTESTED = "UNTESTED"  # never a pass (décret 2022-190)
    ABSENT = "ABSENT"  # the machine has no such part (a desktop without webcam)


class CheckMethod(enum.StrEnum):
    INVENTORY = "inventory"  # only seen in the inventory: nothing was exercised
    AUTOMATIC = "automatic"  # exercised by the agent, nobody needed
    ATTENDED = "attended"  # the operator answered a guided check


@dataclass(frozen=True)
class FunctionResult:
    id: str  # one of FUNCTION_IDS
    status: FunctionStatus
    method: CheckMethod
    evidence: dict[str, Any] = field(default_factory=dict)
    reasons: tuple[Reason, ...] = ()
    answered_by: str | None = None  # the operator, for attended checks


@dataclass(frozen=True)
class InputDevice:
    """One entry of /proc/bus/input/devices."""

    name: str
    bus: str  # "usb", "i8042", "i2c", "bluetooth", "virtual", "host", "other"
    vendor: str | None  # hex as the kernel prints it ("0627")
    product: str | None
    phys: str | None
    sysfs: str | None
    handlers: tuple[str, ...]  # event3, kbd, mouse0, ...
    kind: str  # "keyboard", "pointing", "switch", "other"
    key_count: int  # keys advertised in the KEY bitmap
    lid_switch: bool = False  # SW_LID in the SW bitmap

    @property
    def internal(self) -> bool:
        # The laptop's own keyboard/touchpad sit on the i8042 controller (AT translated
        # set 2, "isa0060/serio0") or an I2C-HID bus; USB/Bluetooth ones were plugged in.
        return self.bus in ("i8042", "i2c", "host")


@dataclass(frozen=True)
class SoundCard:
    index: int
    id: str  # ALSA card id ("PCH", "Intel")
    name: str  # long name of /proc/asound/cards
    playback: tuple[int, ...]  # PCM device numbers with a playback stream
    capture: tuple[int, ...]


@dataclass(frozen=True)
class Webcam:
    node: str  # /dev/video0
    name: str | None  # sysfs name ("Integrated Camera: Integrated C")
    driver: str | None  # uvcvideo
    capture: bool  # V4L2_CAP_VIDEO_CAPTURE on the device node (metadata nodes are not)


@dataclass(frozen=True)
class Radio:
    """A Wi-Fi or Bluetooth adapter (or its rfkill switch without a driver bound)."""

    kind: str  # "wifi" | "bluetooth"
    name: str  # wlan0 / hci0 / phy0
    driver: str | None
    soft_blocked: bool | None
    hard_blocked: bool | None
    firmware_errors: tuple[str, ...] = ()  # dmesg lines naming a firmware that failed


@dataclass(frozen=True)
class Ethernet:
    name: str
    driver: str | None
    carrier: bool | None  # None: interface down, carrier unreadable
    operstate: str | None
    speed_mbps: int | None


@dataclass(frozen=True)
class UsbBus:
    """A root hub (/sys/bus/usb/devices/usbN): one per controller and speed."""

    bus: int
    ports: int | None  # maxchild
    speed_mbps: float | None  # 480 (EHCI / xHCI USB 2 side), 5000 (xHCI SuperSpeed)
    driver: str | None  # ehci-pci, xhci_hcd
    devices: tuple[str, ...]  # "1-2: 0627:0001 QEMU USB Keyboard" below this hub


@dataclass(frozen=True)
class UsbPort:
    """One port of a root hub (/sys/bus/usb/devices/N-0:1.0/usbN-portP), for the guided
    walk with a stick: a connector is one USB 2 port and, on xHCI, its SuperSpeed peer."""

    name: str  # "1-3": the name the kernel gives a device plugged there (bus-port)
    connect_type: str | None  # ACPI _UPC/_PLD: hotplug, hardwired, not used, unknown
    peer: str | None  # "2-3": the same connector on the other-speed root hub
    device: str | None  # what enumerated there now ("1-3: 0781:5583 Ultra Fit")


@dataclass(frozen=True)
class Backlight:
    name: str  # intel_backlight, acpi_video0
    kind: str | None  # raw, firmware, platform
    brightness: int | None
    max_brightness: int | None


@dataclass(frozen=True)
class Fan:
    chip: str  # hwmon name (thinkpad, dell_smm, nct6775)
    label: str  # fan1 or its label
    rpm: int | None
    path: str  # the sysfs file read, so a check can sample it again


@dataclass(frozen=True)
class PowerSource:
    name: str  # AC, ADP1, BAT0
    kind: str  # "Mains" | "Battery" | "USB"
    online: bool | None  # Mains/USB
    status: str | None  # Battery: Charging, Discharging, Full, Not charging, Unknown
    current_ua: int | None = None  # battery current_now / power_now, sign as reported


@dataclass(frozen=True)
class OpticalDrive:
    name: str  # sr0
    model: str | None
    can_write: bool | None


@dataclass(frozen=True)
class FunctionInventory:
    inputs: tuple[InputDevice, ...] = ()
    sound_cards: tuple[SoundCard, ...] = ()
    webcams: tuple[Webcam, ...] = ()
    radios: tuple[Radio, ...] = ()
    ethernet: tuple[Ethernet, ...] = ()
    usb_buses: tuple[UsbBus, ...] = ()
    backlights: tuple[Backlight, ...] = ()
    fans: tuple[Fan, ...] = ()
    power: tuple[PowerSource, ...] = ()
    optical: tuple[OpticalDrive, ...] = ()
    # Parts a probe could not read: "sound: aplay not found". Unknown stays unknown.
    errors: tuple[str, ...] = ()

    @property
    def keyboards(self) -> tuple[InputDevice, ...]:
        return tuple(d for d in self.inputs if d.kind == "keyboard")

    @property
    def pointing(self) -> tuple[InputDevice, ...]:
        return tuple(d for d in self.inputs if d.kind == "pointing")

    @property
    def lid(self) -> bool:
        return any(d.lid_switch for d in self.inputs)
