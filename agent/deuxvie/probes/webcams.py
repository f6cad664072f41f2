"""Webcams: /sys/class/video4linux, capabilities from `v4l2-ctl --all`."""

from __future__ import annotations

import os

from deuxvie.host import CommandNotFound, CommandTimeout, Host
from deuxvie.model.functions import Webcam
from deuxvie.parsers import ParseError
from deuxvie.parsers.v4l2 import parse_v4l2_all

V4L = "/sys/class/video4linux"


def v4l2_all_argv(node: str) -> list[str]:
    return ["v4l2-ctl", "--device", node, "--all"]


def probe_webcams(host: Host, errors: list[str]) -> tuple[Webcam, ...]:
    if not host.exists(V4L):
        return ()
    found: list[Webcam] = []
    for entry in host.listdir(V4L):
        if not entry.startswith("video"):
            continue  # v4l-subdev*, radio*, vbi*
        base = f"{V4L}/{entry}"
        driver_link = host.realpath(f"{base}/device/driver")
        driver = os.path.basename(driver_link) if "/drivers/" in driver_link else None
        node = f"/dev/{entry}"
        capture = True
        try:
            res = host.run(v4l2_all_argv(node), timeout_s=15)
            if res.ok:
                capture = parse_v4l2_all(res.stdout).capture
            else:
                errors.append(f"webcam: {node}: v4l2-ctl exit {res.returncode}")
        except (CommandNotFound, CommandTimeout, ParseError) as exc:
            # UVC cameras expose a second, metadata-only node; without v4l2-ctl both are
            # listed and the check tells them apart when it streams.
            errors.append(f"webcam: {node}: {exc}")
        if capture:
            found.append(Webcam(node=node, name=host.read_text_or(f"{base}/name"),
                                driver=driver, capture=capture))
    return tuple(found)
