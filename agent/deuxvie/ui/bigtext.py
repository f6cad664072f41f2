"""Large block letters for the final PASS / FAIL, readable from across the workshop.

A 5-row font drawn by hand: the words shown are few (PASS, FAIL and a question mark when
there is no verdict), and a dependency (pyfiglet) for five glyphs is not worth it.
"""

from __future__ import annotations

_FONT: dict[str, tuple[str, ...]] = {
    "A": (" ### ", "#   #", "#####", "#   #", "#   #"),
    "E": ("#####", "#    ", "#### ", "#    ", "#####"),
    "F": ("#####", "#    ", "#### ", "#    ", "#    "),
    "I": ("#####", "  #  ", "  #  ", "  #  ", "#####"),
    "L": ("#    ", "#    ", "#    ", "#    ", "#####"),
    "O": (" ### ", "#   #", "#   #", "#   #", " ### "),
    "P": ("#### ", "#   #", "#### ", "#    ", "#    "),
    "S": (" ####", "#    ", " ### ", "    #", "#### "),
    "?": (" ### ", "#   #", "  ## ", "     ", "  #  "),
    " ": ("   ", "   ", "   ", "   ", "   "),
}
HEIGHT = 5


def big(word: str, *, ink: str = "█", gap: int = 2) -> list[str]:
    """The word as HEIGHT lines of equal width. `ink` is "█" for screens and "#" for
    serial consoles that cannot show block characters."""
    glyphs = []
    for ch in word.upper():
        if ch not in _FONT:
            raise ValueError(f"no big glyph for {ch!r}")
        glyphs.append(_FONT[ch])
    spacer = " " * gap
    return [
        spacer.join(g[row] for g in glyphs)
        .replace("#", ink)
        .rstrip()
        .ljust(sum(len(g[0]) for g in glyphs) + gap * (len(glyphs) - 1))
        for row in range(HEIGHT)
    ]
