"""Label sizes and the printer configuration (the `[printer]` table of deuxvie.toml).

Pixel sizes are the printers' printable dots, so the PNG is sent without resampling
(resampling a QR code or a barcode blurs module edges on a thermal head):
- Brother QL, 300 dpi: 62 mm continuous tape prints 696 dots across; the 29x90 mm die-cut
  label prints 306 x 991 dots; 102x152 mm die-cut 1164 x 1660 dots (QL-1050/1060N/1100).
  These are brother_ql's `label_type_specs` "dots_printable" values (brother_ql 0.9.4,
  labels.py), from Brother's raster command reference.
- Zebra 4x6 in and 4x2 in at 203 dpi (8 dots/mm) and 300 dpi (12 dots/mm): the ZPL
  ^PW/^LL values Zebra documents for those print heads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deuxvie.certificate.facts import OFFLINE_SERVER


@dataclass(frozen=True)
class LabelSize:
    name: str
    width_px: int  # in reading orientation
    height_px: int
    dpi: int
    description: str
    brother_label: str | None = None  # brother_ql label identifier, when it is a Brother label
    cups_media: str | None = None  # `lp -o media=` value (PWG self-describing name)

    @property
    def landscape(self) -> bool:
        return self.width_px > self.height_px * 1.2

    @property
    def dots_per_mm(self) -> float:
        return self.dpi / 25.4


SIZES: dict[str, LabelSize] = {
    s.name: s
    for s in (
        LabelSize(
            "62",
            696,
            690,
            300,
            "Brother 62 mm continuous (DK-22205), cut at 58 mm",
            brother_label="62",
            cups_media="Custom.62x58mm",
        ),
        LabelSize(
            "29x90",
            991,
            306,
            300,
            "Brother 29x90 mm die-cut (DK-11201)",
            brother_label="29x90",
            cups_media="Custom.29x90mm",
        ),
        LabelSize(
            "102x152",
            1164,
            1660,
            300,
            "Brother 102x152 mm die-cut (DK-11241)",
            brother_label="102x152",
            cups_media="na_index-4x6_4x6in",
        ),
        LabelSize(
            "zebra-4x6-203",
            812,
            1218,
            203,
            "Zebra 4x6 in (102x152 mm) at 203 dpi",
            cups_media="na_index-4x6_4x6in",
        ),
        LabelSize(
            "zebra-4x6-300",
            1200,
            1800,
            300,
            "Zebra 4x6 in (102x152 mm) at 300 dpi",
            cups_media="na_index-4x6_4x6in",
        ),
        LabelSize(
            "zebra-4x2-203",
            812,
            406,
            203,
            "Zebra 4x2 in (102x51 mm) at 203 dpi",
            cups_media="Custom.4x2in",
        ),
        LabelSize(
            "zebra-4x2-300",
            1200,
            600,
            300,
            "Zebra 4x2 in (102x51 mm) at 300 dpi",
            cups_media="Custom.4x2in",
        ),
    )
}

DEFAULT_SIZE = "62"


def label_size(name: str) -> LabelSize:
    try:
        return SIZES[name]
    except KeyError:
        known = ", ".join(SIZES)
        raise ValueError(f"unknown label size {name!r} (known: {known})") from None


class ConfigError(ValueError):
    """The printer configuration is wrong; the message says which key and why."""


PRINTER_KINDS = ("file", "brother", "zpl", "cups")
BROTHER_WIDE_MODELS = ("QL-1050", "QL-1060N")
BROTHER_MODELS = (
    "QL-700",
    "QL-710W",
    "QL-720NW",
    "QL-800",
    "QL-810W",
    "QL-820NWB",
    "QL-1050",
    "QL-1060N",
)


@dataclass(frozen=True)
class PrinterConfig:
    """Where and how labels print. `target` depends on `kind`:
    file: a path (.png); brother: tcp://HOST[:PORT], file:/PATH or /dev/usb/lpN;
    zpl: tcp://HOST[:PORT] or file:/PATH; cups: the queue name."""

    kind: str = "file"
    target: str = "label.png"
    size: str = DEFAULT_SIZE
    brother_model: str = "QL-800"
    zpl_mode: str = "native"  # "native" (^BQ/^BC/^A0 fields) or "graphic" (^GF of the PNG)
    server: str = OFFLINE_SERVER  # prefix of the QR URL {server}/c/{uuid}
    lang: str = "fr"
    copies: int = 1
    cups_options: tuple[str, ...] = field(default_factory=tuple)  # extra `-o` values

    def __post_init__(self) -> None:
        if self.kind not in PRINTER_KINDS:
            raise ConfigError(f"printer.kind {self.kind!r}: choose one of {PRINTER_KINDS}")
        label_size(self.size)
        if self.kind == "brother":
            if self.brother_model not in BROTHER_MODELS:
                raise ConfigError(
                    f"printer.brother_model {self.brother_model!r}: choose one of {BROTHER_MODELS}"
                )
            if label_size(self.size).brother_label is None:
                raise ConfigError(f"printer.size {self.size!r} is not a Brother label")
            # 102 mm media needs the wide QL-1050/1060N head (1296 dots); a QL-800 head
            # (720 dots) would silently print a third of the label.
            if self.size == "102x152" and self.brother_model not in BROTHER_WIDE_MODELS:
                raise ConfigError(
                    f"printer.size 102x152 needs one of {BROTHER_WIDE_MODELS}, "
                    f"not {self.brother_model}"
                )
        if self.zpl_mode not in ("native", "graphic"):
            raise ConfigError(f"printer.zpl_mode {self.zpl_mode!r}: native or graphic")
        if self.lang not in ("fr", "en"):
            raise ConfigError(f"printer.lang {self.lang!r}: fr or en")
        if not 1 <= self.copies <= 20:
            raise ConfigError(f"printer.copies {self.copies}: between 1 and 20")
        if not self.target:
            raise ConfigError("printer.target is empty")

    @classmethod
    def from_mapping(cls, table: dict[str, Any]) -> PrinterConfig:
        """From the `[printer]` table of deuxvie.toml (unknown keys are an error: a typo
        must not silently print on the wrong printer)."""
        known = set(cls.__dataclass_fields__)
        unknown = set(table) - known
        if unknown:
            raise ConfigError(f"unknown printer keys {sorted(unknown)} (known: {sorted(known)})")
        values = dict(table)
        if "cups_options" in values:
            values["cups_options"] = tuple(str(o) for o in values["cups_options"])
        return cls(**values)

    @classmethod
    def from_spec(cls, spec: str, **overrides: Any) -> PrinterConfig:
        """From a command-line SPEC: file:/x.png, brother:tcp://h:9100, brother:file:/x.bin,
        brother:/dev/usb/lp0, zpl:tcp://h:9100, zpl:file:/x.zpl, cups:QUEUE."""
        kind, sep, target = spec.partition(":")
        if not sep or kind not in PRINTER_KINDS or not target:
            raise ConfigError(
                f"printer spec {spec!r}: expected KIND:TARGET with KIND in {PRINTER_KINDS}"
            )
        return cls(kind=kind, target=target, **overrides)
