"""Sound cards and their playback/capture PCMs: /proc/asound."""

from __future__ import annotations

from deuxvie.host import Host
from deuxvie.model.functions import SoundCard
from deuxvie.parsers import ParseError
from deuxvie.parsers.asound import parse_asound

ASOUND = "/proc/asound"


def probe_sound(host: Host, errors: list[str]) -> tuple[SoundCard, ...]:
    # No /proc/asound at all: no sound driver bound (or no card): nothing to test.
    cards = host.read_text_or(f"{ASOUND}/cards")
    if cards is None:
        return ()
    try:
        return parse_asound(cards, host.read_text_or(f"{ASOUND}/pcm", "") or "")
    except ParseError as exc:
        errors.append(f"sound: {exc}")
        return ()
