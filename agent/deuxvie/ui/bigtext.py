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
    # station mode's per-disk words: EFFACE, ECHEC, STOP, IGNORE (i18n.ERASURE_STATUS)
    "C": (" ####", "#    ", "#    ", "#    ", " ####"),
    "G": (" ####", "#    ", "#  ##", "#   #", " ####"),
    "H": ("#   #", "#   #", "#####", "#   #", "#   #"),
    "M": ("#   #", "## ##", "# # #", "#   #", "#   #"),
    "N": ("#   #", "##  #", "# # #", "#  ##", "#   #"),
    "R": ("#### ", "#   #", "#### ", "#  # ", "#   #"),
    "T": ("#####", "  #  ", "  #  ", "  #  ", "  #  "),
    "U": ("#   #", "#   #", "#   #", "#   #", " ### "),
    " ": ("   ", "   ", "   ", "   ", "   "),
}
HEIGHT = 5


def big(word: str, *, ink: str = "█", gap: int = 2, scale: int = 1) -> list[str]:
    """The word as HEIGHT lines of equal width. `ink` is "█" for screens and "#" for
    serial consoles that cannot show block characters; `scale` widens each cell (a
    terminal cell is about twice as tall as wide, so scale=2 gives square pixels)."""
    glyphs = []
    for ch in word.upper():
        if ch not in _FONT:
            raise ValueError(f"no big glyph for {ch!r}")
        glyphs.append(_FONT[ch])
    spacer = " " * gap
    width = (sum(len(g[0]) for g in glyphs) + gap * (len(glyphs) - 1)) * scale
    lines = []
    for row in range(HEIGHT):
        line = "".join(ch * scale for ch in spacer.join(g[row] for g in glyphs))
        lines.append(line.replace("#", ink).rstrip().ljust(width))
    return lines
