"""Keyboards, pointing devices and the lid switch: /proc/bus/input/devices."""

from __future__ import annotations

from deuxvie.host import Host
from deuxvie.model.functions import InputDevice
from deuxvie.parsers import ParseError
from deuxvie.parsers.input_devices import parse_input_devices

INPUT_DEVICES = "/proc/bus/input/devices"


def probe_inputs(host: Host, errors: list[str]) -> tuple[InputDevice, ...]:
    try:
        return parse_input_devices(host.read_bytes(INPUT_DEVICES))
    except (OSError, ParseError) as exc:
        errors.append(f"input: {INPUT_DEVICES}: {exc}")
        return ()
