"""The functions table of a report in the operator's words (names, statuses and methods
are in deuxvie.i18n)."""

from __future__ import annotations

from typing import Any

from deuxvie.i18n import FUNCTION_METHOD_WORDS, FUNCTION_NAMES, FUNCTION_STATUS_WORDS, pick


def _pick(pair: tuple[str, str] | None, lang: str, fallback: str) -> str:
    return fallback if pair is None else pick(pair, lang)


def function_rows(functions: list[dict[str, Any]], lang: str) -> list[tuple[str, str, str]]:
    """(name, status word, detail) per function of a report's `functions` array."""
    rows = []
    for f in functions:
        fid, status, method = str(f.get("id")), str(f.get("status")), str(f.get("method"))
        reasons = f.get("reasons") or []
        detail = "; ".join(str(r.get(lang) or r.get("en") or "") for r in reasons
                           if isinstance(r, dict))
        how = _pick(FUNCTION_METHOD_WORDS.get(method), lang, method)
        who = f.get("answered_by")
        if who:
            how += f" ({who})"
        rows.append((_pick(FUNCTION_NAMES.get(fid), lang, fid),
                     _pick(FUNCTION_STATUS_WORDS.get(status), lang, status),
                     f"{how}" + (f" — {detail}" if detail else "")))
    return rows
