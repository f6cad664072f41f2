"""Shared test helpers for the wipe tests."""

from __future__ import annotations

from pathlib import Path

from deuxvie.host.base import Host
from deuxvie.probes.usage import device_usage
from deuxvie.wipe.identity import probe_capabilities, probe_media
from deuxvie.wipe.plan import WipeOptions, WipePlan, WipeTarget, plan_wipe

MIB = 1024 * 1024


def plan_for(host: Host, dev: str, options: WipeOptions) -> WipePlan:
    usage = device_usage(host, dev)
    media = probe_media(host, usage)
    return plan_wipe(WipeTarget(dev, media, usage, probe_capabilities(host, media)), options)


def read_all(path: Path) -> bytes:
    return path.read_bytes()
