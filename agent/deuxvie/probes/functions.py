"""Inventory of every function of the PC (issue #12): one FunctionInventory."""

from __future__ import annotations

from deuxvie.host import Host
from deuxvie.model.common import Outcome
from deuxvie.model.functions import FunctionInventory
from deuxvie.probes.inputs import probe_inputs
from deuxvie.probes.radios import probe_radios, read_dmesg
from deuxvie.probes.sensors import probe_backlights, probe_fans, probe_optical, probe_power
from deuxvie.probes.sound import probe_sound
from deuxvie.probes.usb import probe_usb
from deuxvie.probes.webcams import probe_webcams


def probe_functions(host: Host) -> Outcome[FunctionInventory]:
    """Never fails as a whole: each part it cannot read is named in `errors`."""
    errors: list[str] = []
    radios, ethernet = probe_radios(host, read_dmesg(host, errors))
    return Outcome.ok(FunctionInventory(
        inputs=probe_inputs(host, errors),
        sound_cards=probe_sound(host, errors),
        webcams=probe_webcams(host, errors),
        radios=radios,
        ethernet=ethernet,
        usb_buses=probe_usb(host),
        backlights=probe_backlights(host),
        fans=probe_fans(host),
        power=probe_power(host),
        optical=probe_optical(host),
        errors=tuple(errors),
    ))
