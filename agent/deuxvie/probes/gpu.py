"""GPUs from lspci (PCI class 03xx: VGA, 3D and display controllers)."""

from __future__ import annotations

from deuxvie.host import Host, HostError
from deuxvie.model.common import Outcome
from deuxvie.model.inventory import Gpu
from deuxvie.parsers import ParseError
from deuxvie.parsers.lspci import parse_gpus


def probe_gpus(host: Host) -> Outcome[tuple[Gpu, ...]]:
    try:
        res = host.run(["lspci", "-vmm", "-nn"], timeout_s=30)
    except HostError as exc:
        return Outcome.failed(f"lspci: {exc}")
    if res.returncode != 0:
        return Outcome.failed(f"lspci exit {res.returncode}: {res.error_text.strip()}")
    try:
        gpus = parse_gpus(res.text)
    except ParseError as exc:
        return Outcome.failed(str(exc))
    return Outcome.ok(gpus) if gpus else Outcome.absent("no display controller on the PCI bus")
