"""Where /login may send the browser next: a path on this site, never another origin.

"starts with / but not //" is not enough (issue 11 item 12): browsers drop tabs and
newlines anywhere in a URL and read "\\" as "/" (WHATWG URL standard, "basic URL parser"),
so "/\\t/evil.example/" and "/\\evil.example" are "//evil.example": another host. The
target is cleaned as a browser would, parsed, refused with any scheme or host, and rebuilt
from its normalised path and query only."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit, urlunsplit

_STRIPPED_BY_BROWSERS = re.compile(r"[\t\n\r]")


def safe_next(target: str | None, default: str = "/") -> str:
    if not target or len(target) > 2000:
        return default
    cleaned = _STRIPPED_BY_BROWSERS.sub("", target).replace("\\", "/")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned):
        return default
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return default
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return default
    path = posixpath.normpath(parts.path)
    if path.startswith("//") or not path.startswith("/"):
        return default
    if parts.path.endswith("/") and path != "/":
        path += "/"
    return urlunsplit(("", "", path, parts.query, ""))
