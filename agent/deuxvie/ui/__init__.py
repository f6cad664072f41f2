"""Operator screens: a rich Live display on a terminal, a plain log elsewhere."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich.console import Console

from deuxvie.ui.live import RichUI, final_screen
from deuxvie.ui.plain import PlainUI, final_text
from deuxvie.ui.prompt import InputFn

__all__ = ["PlainUI", "RichUI", "final_screen", "final_text", "make_ui"]


def make_ui(
    lang: str = "fr",
    *,
    stream: TextIO | None = None,
    input_fn: InputFn | None = None,
    subtitle: str = "",
) -> RichUI | PlainUI:
    """RichUI when `stream` is a terminal, else PlainUI (serial console, CI, pipe):
    escape codes in a serial log or a CI artefact are noise."""
    stream = stream or sys.stdout
    if stream.isatty():
        return RichUI(
            Console(file=stream),
            lang,
            input_fn=input_fn,
            subtitle=subtitle,
            console_font=os.environ.get("TERM") == "linux",
        )
    return PlainUI(stream, lang, input_fn=input_fn)
