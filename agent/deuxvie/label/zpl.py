"""ZPL II for Zebra printers (pure: report or image -> bytes).

Two ways, chosen by `PrinterConfig.zpl_mode`:
- native: the printer draws the QR (^BQ), the Code128 (^BC) and the text (^A0 with ^CI28
  so UTF-8 accents print): small jobs, crisp at any dpi, but the printer's font.
- graphic: the PNG rendered by `render` sent as one ^GFA bitmap: exactly what was looked at
  on screen, about (W/8)*H*2 hex characters (~250 KB for 4x6 in at 203 dpi).
References: Zebra "ZPL II Programming Guide" (P1012728): ^BQ field data "MA," = error
correction M + automatic mode; ^FH escapes field data with _hh so ^ and ~ in a report
cannot inject commands; ^GFA,total,total,row_bytes,hex.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageOps

from deuxvie.label.config import LabelSize, label_size
from deuxvie.label.render import LabelText, label_text


def _field(text: str) -> str:
    """^FH_ + ^FD with the three characters ZPL would interpret escaped as _hh."""
    escaped = "".join(f"_{ord(c):02X}" if c in "_^~" else c for c in text)
    return f"^FH_^FD{escaped}^FS"


def _text(x: int, y: int, height: int, text: str, width: int | None = None, lines: int = 1) -> str:
    block = f"^FB{width},{lines},0,L,0" if width else ""
    return f"^FO{x},{y}^A0N,{height},{height}{block}{_field(text)}"


def _native_body(t: LabelText, spec: LabelSize) -> list[str]:
    W, H, dpmm = spec.width_px, spec.height_px, spec.dots_per_mm
    m = int(2.5 * dpmm)
    # ^BQ magnification = dots per module (1..10); ~0.5 mm modules scan well from a phone,
    # smaller on a 4x2 label so the text column keeps room.
    mag = max(2, min(10, round((0.4 if spec.landscape else 0.5) * dpmm)))
    qr_side = 41 * mag  # version 5/6 symbols of our URLs are 37..41 modules
    module = max(2, round(0.25 * dpmm))  # Code128 narrow bar, 0.25 mm
    out: list[str] = []
    if spec.landscape:
        out.append(f"^FO{m},{m}^BQN,2,{mag}^FDMA,{t.url}^FS")
        x = m + qr_side + m
        w = W - x - m
        usable = H - 2 * m
        grade_h, line_h = int(usable * 0.24), int(usable * 0.09)
    else:
        out.append(f"^FO{W - m - qr_side},{m}^BQN,2,{mag}^FDMA,{t.url}^FS")
        x, w = m, W - 3 * m - qr_side
        grade_h, line_h = int(qr_side * 0.4), int(4 * dpmm)
    # FAIL prints white on black (^GB filled box + ^FR field reverse), like the PNG.
    if t.failed:
        out.append(f"^FO{x},{m}^GB{w},{grade_h},{grade_h}^FS")
        out.append(f"^FR{_text(x + m, m + grade_h // 8, int(grade_h * 0.8), t.grade)}")
    else:
        out.append(f"^FO{x},{m}^GB{w},{grade_h},{max(2, grade_h // 15)}^FS")
        out.append(_text(x + m, m + grade_h // 8, int(grade_h * 0.7), t.grade, w - 2 * m))
    y = m + grade_h + line_h // 3
    reason_lines = 1 if spec.landscape else 2
    out.append(_text(x, y, line_h, t.reason, w, reason_lines))
    y += reason_lines * line_h + line_h // 3
    if not spec.landscape:
        y = max(y, m + qr_side + m)
        x, w = m, W - 2 * m
    out.append(_text(x, y, int(line_h * 0.9), t.erasure, w, 2))
    y += 2 * line_h
    out.append(_text(x, y, int(line_h * 0.8), t.date_station, w))
    y += line_h
    asset_h = int(line_h * 1.3)
    out.append(_text(x, y, asset_h, t.asset_id, w))
    y += asset_h + line_h // 4
    bar_h = min(int(15 * dpmm), H - m - y)
    if bar_h < int(4 * dpmm):
        raise ValueError(f"label {spec.name}: no room left for the Code128 ({bar_h} dots)")
    out.append(f"^FO{x},{y}^BY{module},3,{bar_h}^BCN,{bar_h},N,N,N")
    out.append(_field(t.asset_id))
    return out


def native_zpl(
    report: Mapping[str, Any],
    size: LabelSize | str,
    server: str,
    lang: str = "fr",
    copies: int = 1,
) -> bytes:
    spec = label_size(size) if isinstance(size, str) else size
    t = label_text(report, server, lang)
    lines = ["^XA", "^CI28", f"^PW{spec.width_px}", f"^LL{spec.height_px}", "^LH0,0"]
    lines += _native_body(t, spec)
    lines += [f"^PQ{copies}", "^XZ", ""]
    return "\n".join(lines).encode("utf-8")


def graphic_zpl(image: Image.Image, copies: int = 1) -> bytes:
    """A rendered label as one ^GFA bitmap (1 = black dot in ZPL, the inverse of PIL "1")."""
    mono = ImageOps.invert(image.convert("L")).convert("1", dither=Image.Dither.NONE)
    row_bytes = (mono.width + 7) // 8
    data = mono.tobytes()  # PIL packs each row MSB-first, padded to whole bytes, as ^GF wants
    total = len(data)
    return (
        f"^XA\n^PW{mono.width}\n^LL{mono.height}\n^LH0,0\n"
        f"^FO0,0^GFA,{total},{total},{row_bytes},{data.hex().upper()}^FS\n"
        f"^PQ{copies}\n^XZ\n"
    ).encode("ascii")
