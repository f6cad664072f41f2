"""Render a label (pure: report + size + server URL -> 1-bit image; ADR 0051).

Drawn directly at the printer's dots in mode "1": QR modules and Code128 bars are whole
dots (no resampling, no grey edges a thermal head would round either way) and text is
DejaVu without anti-aliasing. Layout is proportional to the label, with two arrangements:
portrait (62 mm tape, 4x6 in) and landscape strip (29x90 mm, 4x2 in).

What the label says comes from `label_text`: grade, main reason, erasure statement (only
"EFFACÉ"/"ERASED" when every disk is certified, see certificate.facts), date, station,
asset id. No marketing words ("comme neuf"): the sticker states test results only.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import barcode
import segno
from PIL import Image, ImageDraw, ImageFont

from deuxvie.certificate import facts
from deuxvie.certificate.fonts import font_path
from deuxvie.i18n import ERASURE_WORDS, NO_DISK, pick
from deuxvie.label.config import LabelSize, label_size

WHITE = 1
BLACK = 0
# Code128 needs a quiet zone of 10 modules on each side (ISO/IEC 15417 §4.4.2).
CODE128_QUIET_MODULES = 10
# QR quiet zone: 4 modules by ISO/IEC 18004; 2 still decode reliably (zbar, phones) and
# the label edge is blank anyway, so cramped sizes use 2.
QR_BORDER_MODULES = 2


@dataclass(frozen=True)
class LabelText:
    asset_id: str
    grade: str  # "PASS" | "FAIL" | "PASS avec réserves"
    failed: bool  # drawn inverted (white on black) so FAIL stands out across the room
    reason: str
    erasure: str  # "EFFACÉ · NIST Purge nvme-format-ses1" or "EFFACEMENT NON CERTIFIÉ ..."
    erasure_certified: bool
    date_station: str  # "2026-11-22 · poste atelier-lyon-1"
    url: str
    details: tuple[str, ...] = ()  # per-disk status and grade reasons, for large labels


def label_text(report: Mapping[str, Any], server: str, lang: str = "fr") -> LabelText:
    facts.check_lang(lang)
    asset = str(facts.get(report, "asset_id", default=""))
    if not asset:
        raise ValueError("report has no asset_id: nothing to put on the label")
    overall = facts.overall_erasure(report)
    if overall.certified:
        word = pick(ERASURE_WORDS[overall.status], lang)
        erasure = f"{word} · {facts.method_summary(overall, lang)}"
    elif overall.status == facts.NO_DISK:
        erasure = pick(ERASURE_WORDS[NO_DISK], lang)
    else:
        bad, total = len(overall.not_certified), len(overall.disks)
        erasure = pick(
            (
                f"EFFACEMENT NON CERTIFIÉ ({bad}/{total} disque(s))",
                f"ERASURE NOT CERTIFIED ({bad}/{total} disk(s))",
            ),
            lang,
        )
    details = []
    for disk in overall.disks:
        line = f"{pick(('Disque', 'Disk'), lang)} {disk.serial} : {disk.text(lang)}"
        if disk.certified:
            category = facts.get(disk.record, "category", default="?")
            line += f" ({category} {facts.get(disk.record, 'technique', default='?')})"
        details.append(line if lang == "fr" else line.replace(" : ", ": "))
    details += [
        f"• {facts.reason_text(r, lang)}" for r in facts.get(report, "grade", "reasons", default=[])
    ]
    when = facts.date_only(facts.erasure_date(overall) or facts.get(report, "created_at"))
    station = str(facts.get(report, "station", "id", default="?"))
    # the small print names the image that erased the disks (its commit: findable again)
    image = facts.get(report, "agent", "image")
    commit = str(facts.get(image, "commit", default=""))[:7]
    small = f"{when} · {pick(('poste', 'station'), lang)} {station}"
    small += f" · image {commit}" if commit else ""
    if image:
        details.append(f"deuxvie · {facts.image_text(image, lang, short=True)}")
    loose = facts.get(report, "kind") == "loose_disk"
    if loose:
        # a loose disk has no grade (grading judges a PC): its big box is the erasure
        model = facts.get(report, "device", "model", default=None) or "?"
        serial = facts.get(report, "device", "serial", default=None) or "?"
        grade_word = pick(ERASURE_WORDS.get(overall.status, (
            str(overall.status), str(overall.status))), lang)
        main = f"{model} · {serial}"
    return LabelText(
        asset_id=asset,
        grade=grade_word if loose else facts.verdict_text(report, lang),
        failed=not overall.certified if loose else facts.get(report, "grade", "verdict") == "FAIL",
        reason=main if loose else facts.main_reason(report, lang),
        erasure=erasure,
        erasure_certified=overall.certified,
        date_station=small,
        url=facts.certificate_url(report, server),
        details=tuple(details),
    )


@functools.lru_cache(maxsize=256)
def _font(face: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(face)), max(6, size_px))


def _fit(
    draw: ImageDraw.ImageDraw,
    text: str,
    face: str,
    width: int,
    max_px: int,
    min_ratio: float = 0.4,
) -> tuple[ImageFont.FreeTypeFont, str]:
    """Largest font <= max_px whose rendering fits `width`; below min_ratio * max_px the
    text is cut with an ellipsis instead of shrinking into illegibility."""
    size = max_px
    floor = max(8, int(max_px * min_ratio))
    while size > floor:
        font = _font(face, size)
        if draw.textlength(text, font=font) <= width:
            return font, text
        size = max(floor, int(size * 0.92))
    font = _font(face, floor)
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return font, (text + "…") if text else text


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, face: str, width: int, max_px: int, lines: int
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """Greedy word wrap into at most `lines` lines, shrinking the font until it fits."""
    size = max_px
    while True:
        font = _font(face, size)
        out: list[str] = []
        for word in text.split():
            if out and draw.textlength(f"{out[-1]} {word}", font=font) <= width:
                out[-1] = f"{out[-1]} {word}"
            else:
                out.append(word)
        too_wide = any(draw.textlength(line, font=font) > width for line in out)
        if (len(out) <= lines and not too_wide) or size <= max(8, int(max_px * 0.5)):
            if len(out) > lines or too_wide:
                # Still too long at the smallest size: cut at this font with an ellipsis
                # (a path in a reason must not run into the QR code).
                kept = out[:lines]
                if len(out) > lines:
                    kept[-1] += " …"
                return font, [_cut(draw, line, font, width) for line in kept]
            return font, out
        size = int(size * 0.92)


def _cut(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    text: str,
    font: ImageFont.FreeTypeFont,
    fill: int = BLACK,
) -> int:
    """Draw with the top of the font's ascent at xy; returns the line height used."""
    draw.text(xy, text, font=font, fill=fill, anchor="la")
    ascent, descent = font.getmetrics()
    return int(ascent + descent)


@functools.lru_cache(maxsize=8)
def _qr_code(url: str) -> segno.QRCode:
    # Encoding is most of a label's render time (segno tries the 8 mask patterns), and
    # layout asks for the symbol twice: encode once.
    return segno.make(url, error="m")


def _qr_side(url: str, side: int) -> int:
    """The side (dots) the QR code of url takes in a side x side box: whole-dot modules."""
    modules = int(_qr_code(url).symbol_size(scale=1, border=QR_BORDER_MODULES)[0])
    scale = side // modules
    if scale < 2:
        raise ValueError(f"QR code of {modules} modules does not fit in {side} dots")
    return int(modules * scale)


def _qr(image: Image.Image, url: str, x: int, y: int, side: int) -> int:
    """Draw the QR code with whole-dot modules in the top-left of a side x side box;
    returns the side actually used (see _qr_side)."""
    qr = _qr_code(url)
    modules = int(qr.symbol_size(scale=1, border=QR_BORDER_MODULES)[0])
    scale = _qr_side(url, side) // modules
    draw = ImageDraw.Draw(image)
    for row, bits in enumerate(qr.matrix_iter(scale=1, border=QR_BORDER_MODULES)):
        for col, dark in enumerate(bits):
            if dark:
                x0, y0 = x + col * scale, y + row * scale
                draw.rectangle((x0, y0, x0 + scale - 1, y0 + scale - 1), fill=BLACK)
    return int(modules * scale)


def _code128(image: Image.Image, data: str, x: int, y: int, width: int, height: int) -> int:
    """Code128 of `data` centred in the box with whole-dot modules; returns the width used.
    python-barcode encodes (charset switching, checksum); drawing stays here so bars are
    exact printer dots."""
    bits = "".join(barcode.get("code128", data).build())
    total = len(bits) + 2 * CODE128_QUIET_MODULES
    module = width // total
    if module < 1:
        raise ValueError(f"Code128 of {data!r} needs {total} dots, box has {width}")
    used = total * module
    x0 = x + (width - used) // 2 + CODE128_QUIET_MODULES * module
    draw = ImageDraw.Draw(image)
    start = None
    for i, bit in enumerate(bits + "0"):
        if bit == "1" and start is None:
            start = i
        elif bit == "0" and start is not None:
            draw.rectangle((x0 + start * module, y, x0 + i * module - 1, y + height - 1), fill=0)
            start = None
    return used


def _grade_box(
    image: Image.Image, t: LabelText, x: int, y: int, w: int, h: int, fit_width: bool
) -> int:
    """The grade in the largest type that fits; inverted for FAIL. Returns the box width.

    A long grade ("PASS avec réserves") that would shrink below 60 % of the box height
    is set on two lines, the verdict word big and the qualifier under it, so PASS/FAIL
    still reads from across the room."""
    draw = ImageDraw.Draw(image)
    pad = max(2, h // 10)
    max_px = int(h * 0.78)
    # The grade is never cut ("PASS w…" would hide the reservation): it shrinks instead.
    font, text = _fit(draw, t.grade, "bold", w - 2 * pad, max_px, min_ratio=0.0)
    lines: list[tuple[str, ImageFont.FreeTypeFont]] = [(text, font)]
    if " " in t.grade and font.size < 0.6 * max_px:
        head, tail = t.grade.split(" ", 1)
        head_font, _ = _fit(draw, head, "bold", w - 2 * pad, int(h * 0.5), min_ratio=0.0)
        tail_font, _ = _fit(draw, tail, "bold", w - 2 * pad, int(h * 0.26), min_ratio=0.0)
        lines = [(head, head_font), (tail, tail_font)]
    boxes = [draw.textbbox((0, 0), line, font=f, anchor="lt") for line, f in lines]
    text_w = max(int(b[2] - b[0]) for b in boxes)
    gap = h // 20 if len(lines) > 1 else 0
    text_h = sum(int(b[3] - b[1]) for b in boxes) + gap
    box_w = min(w, text_w + 2 * pad) if fit_width else w
    border = max(2, h // 18)
    if t.failed:
        draw.rectangle((x, y, x + box_w - 1, y + h - 1), fill=BLACK)
    else:
        draw.rectangle((x, y, x + box_w - 1, y + h - 1), outline=BLACK, width=border)
    ty = y + (h - text_h) // 2
    for (line, f), box in zip(lines, boxes, strict=True):
        tx = x + (box_w - int(box[2] - box[0])) // 2
        draw.text((tx, ty), line, font=f, fill=WHITE if t.failed else BLACK, anchor="lt")
        ty += int(box[3] - box[1]) + gap
    return box_w


def _asset_block(image: Image.Image, t: LabelText, x: int, y: int, w: int, h: int) -> None:
    """Asset id as text over its Code128, filling the box (text ~35 %, bars the rest)."""
    draw = ImageDraw.Draw(image)
    font, text = _fit(draw, t.asset_id, "bold", w, int(h * 0.32))
    line = _text(draw, (x + (w - int(draw.textlength(text, font=font))) // 2, y), text, font)
    gap = max(2, h // 30)
    _code128(image, t.asset_id, x, y + line + gap, w, h - line - gap)


def _portrait(image: Image.Image, t: LabelText) -> None:
    W, H = image.size
    draw = ImageDraw.Draw(image)
    m = max(W // 32, 8)
    gap = max(W // 50, 6)
    inner = W - 2 * m
    qr_used = _qr_side(t.url, min(int(W * 0.42), int(H * 0.34)))
    _qr(image, t.url, W - m - qr_used, m, qr_used)
    left_w = W - 2 * m - qr_used - gap
    grade_h = int(qr_used * 0.5)
    _grade_box(image, t, m, m, left_w, grade_h, fit_width=False)
    font, lines = _wrap(draw, t.reason, "bold", left_w, int(qr_used * 0.16), 3)
    y = m + grade_h + gap
    for line in lines:
        y += _text(draw, (m, y), line, font)
    y = max(y, m + qr_used) + gap
    # The erasure statement and the date/station line across the full width.
    face = "bold" if t.erasure_certified else "condensed-bold"
    boxed = 0 if t.erasure_certified else 2 * gap
    font, lines = _wrap(draw, t.erasure, face, inner - boxed, int(W * 0.058), 2)
    if not t.erasure_certified:
        # Not certified: boxed, so no one reads the line as a passing statement.
        height = sum(int(sum(font.getmetrics())) for _ in lines) + gap
        draw.rectangle((m, y, W - m - 1, y + height), outline=BLACK, width=max(2, W // 200))
        y += gap // 2
        for line in lines:
            y += _text(draw, (m + gap, y), line, font)
        y += gap // 2
    else:
        for line in lines:
            y += _text(draw, (m, y), line, font)
    font, text = _fit(draw, t.date_station, "regular", inner, int(W * 0.05))
    y += _text(draw, (m, y + gap // 2), text, font) + gap
    block_h = min(H - m - y, int(W * 0.3))
    block_y = H - m - block_h
    # Tall labels (4x6 in) have room for the per-disk statuses and the grade's reasons.
    font = _font("regular", int(W * 0.036))
    line_h = int(sum(font.getmetrics()))
    y += gap
    for line in t.details:
        if y + line_h > block_y - gap:
            break
        line_font, fitted = _fit(draw, line, "regular", inner, int(W * 0.036))
        _text(draw, (m, y), fitted, line_font)
        y += line_h
    _asset_block(image, t, m, block_y, inner, block_h)


def _landscape(image: Image.Image, t: LabelText) -> None:
    W, H = image.size
    draw = ImageDraw.Draw(image)
    m = max(H // 22, 6)
    gap = max(H // 40, 4)
    qr_used = _qr_side(t.url, min(H - 2 * m, int(W * 0.34)))
    _qr(image, t.url, m, (H - qr_used) // 2, qr_used)
    x = m + qr_used + gap
    w = W - x - m
    grade_h = int(H * 0.27)
    box_w = _grade_box(image, t, x, m, int(w * 0.62), grade_h, fit_width=True)
    rx = x + box_w + gap
    font, lines = _wrap(draw, t.reason, "bold", W - m - rx, int(grade_h * 0.42), 2)
    line_h = int(sum(font.getmetrics()))
    ry = m + max(0, (grade_h - line_h * len(lines)) // 2)
    for line in lines:
        ry += _text(draw, (rx, ry), line, font)
    y = m + grade_h + gap
    face = "bold" if t.erasure_certified else "condensed-bold"
    pad = 0 if t.erasure_certified else gap
    font, lines = _wrap(draw, t.erasure, face, w - 2 * pad, int(H * 0.085), 2)
    font_h = int(sum(font.getmetrics()))
    if not t.erasure_certified:
        # Not certified: boxed, so no one reads the line as a passing statement.
        bottom = y + font_h * len(lines) + gap
        draw.rectangle((x, y, W - m - 1, bottom), outline=BLACK, width=max(2, H // 100))
    ty = y + pad // 2
    for line in lines:
        ty += _text(draw, (x + pad, ty), line, font)
    y = ty + pad // 2 + gap // 2
    font, text = _fit(draw, t.date_station, "regular", w, int(H * 0.08))
    y += _text(draw, (x, y), text, font) + gap // 2
    _asset_block(image, t, x, y, w, H - m - y)


def render_label(
    report: Mapping[str, Any], size: LabelSize | str, server: str, lang: str = "fr"
) -> Image.Image:
    """The label of a report as a 1-bit image at the printer's dots, reading orientation.
    Raises ValueError (no asset id / uuid, unknown size or language) or FontMissing."""
    spec = label_size(size) if isinstance(size, str) else size
    text = label_text(report, server, lang)
    image = Image.new("1", (spec.width_px, spec.height_px), WHITE)
    if spec.landscape:
        _landscape(image, text)
    else:
        _portrait(image, text)
    image.info["dpi"] = (spec.dpi, spec.dpi)
    return image


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    dpi = image.info.get("dpi", (300, 300))
    image.save(buf, format="PNG", dpi=dpi, optimize=False)
    return buf.getvalue()


def render_label_png(
    report: Mapping[str, Any], size: LabelSize | str, server: str, lang: str = "fr"
) -> bytes:
    return png_bytes(render_label(report, size, server, lang))
