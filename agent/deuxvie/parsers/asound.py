"""ALSA's /proc/asound/cards and /proc/asound/pcm -> SoundCard (pure).

/proc/asound/pcm lines read "CC-DD: id : name : playback N : capture N"
(sound/core/pcm.c snd_pcm_proc_read): the same facts `aplay -l` / `arecord -l` print,
without needing alsa-utils to take the inventory.
"""

from __future__ import annotations

import re

from deuxvie.model.functions import SoundCard
from deuxvie.parsers.errors import ParseError

_CARD = re.compile(r"^\s*(\d+)\s+\[(\S*)\s*\]:\s*(.*?)\s*$")
_PCM = re.compile(r"^(\d+)-(\d+):(.*)$")


def parse_asound(cards_text: str, pcm_text: str) -> tuple[SoundCard, ...]:
    if "--- no soundcards ---" in cards_text:
        return ()
    cards: dict[int, tuple[str, str]] = {}
    lines = cards_text.splitlines()
    for i, line in enumerate(lines):
        m = _CARD.match(line)
        if not m:
            continue
        # The next line is the long name ("HDA Intel PCH at 0xf7f10000 irq 31").
        long_name = lines[i + 1].strip() if i + 1 < len(lines) else ""
        short = m.group(3).split(" - ", 1)[-1]
        cards[int(m.group(1))] = (m.group(2), long_name or short)
    if not cards and cards_text.strip():
        raise ParseError("/proc/asound/cards: no card line")
    playback: dict[int, list[int]] = {k: [] for k in cards}
    capture: dict[int, list[int]] = {k: [] for k in cards}
    for line in pcm_text.splitlines():
        m = _PCM.match(line.strip())
        if not m:
            if line.strip():
                raise ParseError(f"/proc/asound/pcm: unexpected line {line[:60]!r}")
            continue
        card, dev = int(m.group(1)), int(m.group(2))
        streams = [s.strip() for s in m.group(3).split(" : ")]
        playback.setdefault(card, [])
        capture.setdefault(card, [])
        if any(s.startswith("playback") for s in streams):
            playback[card].append(dev)
        if any(s.startswith("capture") for s in streams):
            capture[card].append(dev)
    return tuple(
        SoundCard(index=k, id=cards.get(k, (str(k), ""))[0], name=cards.get(k, ("", ""))[1],
                  playback=tuple(playback.get(k, ())), capture=tuple(capture.get(k, ())))
        for k in sorted(set(cards) | set(playback))
    )
