"""`v4l2-ctl --all` -> the facts a webcam check needs (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from deuxvie.parsers.errors import ParseError


@dataclass(frozen=True)
class V4l2Info:
    driver: str | None
    card: str | None
    device_caps: tuple[str, ...]  # "Video Capture", "Streaming", "Metadata Capture"
    width: int | None
    height: int | None
    pixel_format: str | None  # "YUYV", "MJPG"
    size_image: int | None  # bytes of one frame in that format

    @property
    def capture(self) -> bool:
        return "Video Capture" in self.device_caps


def parse_v4l2_all(text: str | bytes) -> V4l2Info:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    values: dict[str, str] = {}
    caps: list[str] = []
    section = ""
    in_caps = False
    for raw in text.splitlines():
        if not raw.strip():
            continue
        if not raw.startswith(("\t", " ")):
            section = raw.strip().rstrip(":")
            in_caps = False
            continue
        key, sep, value = raw.strip().partition(":")
        key = key.strip()
        if sep and key:
            in_caps = key == "Device Caps"
            values.setdefault(f"{section}/{key}", value.strip())
        elif in_caps:
            caps.append(raw.strip())
    if "Driver Info/Driver name" not in values:
        raise ParseError("v4l2-ctl --all: no 'Driver name' line")

    def num(key: str) -> int | None:
        raw = values.get(f"Format Video Capture/{key}")
        try:
            return int(raw) if raw is not None and raw.isascii() else None
        except ValueError:
            return None

    wh = values.get("Format Video Capture/Width/Height", "")
    w, _, h = wh.partition("/")

    def dim(text: str) -> int | None:
        return int(text) if text.strip().isascii() and text.strip().isdigit() else None

    fmt = values.get("Format Video Capture/Pixel Format", "")
    return V4l2Info(
        driver=values.get("Driver Info/Driver name") or None,
        card=values.get("Driver Info/Card type") or None,
        device_caps=tuple(caps),
        width=dim(w),
        height=dim(h),
        pixel_format=fmt.split("'")[1] if fmt.count("'") >= 2 else (fmt or None),
        size_image=num("Size Image"),
    )
