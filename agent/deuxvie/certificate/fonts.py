"""DejaVu fonts (Debian package fonts-dejavu-core) for certificates and labels.

The core PDF fonts (Helvetica...) only encode Latin-1 through fpdf2's core-font path and
labels need a scalable TrueType face; French text ("EFFACÉ", "réserves", "œ") must print
right, so a missing font is an error naming the package, never a silent fallback.
"""

from __future__ import annotations

import os
from pathlib import Path

FONT_DIR = Path(os.environ.get("DEUXVIE_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
FACES = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "condensed-bold": "DejaVuSansCondensed-Bold.ttf",
    "mono": "DejaVuSansMono.ttf",
}


class FontMissing(RuntimeError):
    """A DejaVu font file is not installed."""


def font_path(face: str) -> Path:
    path = FONT_DIR / FACES[face]
    if not path.is_file():
        raise FontMissing(
            f"font {path} is missing: install the Debian package fonts-dejavu-core "
            "(apt-get install fonts-dejavu-core) or set DEUXVIE_FONT_DIR"
        )
    return path
