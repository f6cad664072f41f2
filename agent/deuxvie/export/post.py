"""HTTP delivery of exports: GLPI's inventory endpoint and Devicehub's snapshot API."""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from deuxvie import __version__

# The GLPI agent protocol names the compression in Content-Type (GLPI's
# Glpi\Agent\Communication\AbstractRequest accepts these, plain JSON as application/json);
# it does not use Content-Encoding.
GLPI_CONTENT_TYPES = {
    "none": "application/json",
    "zlib": "application/x-compress-zlib",  # RFC 1950, PHP gzcompress
    "gzip": "application/x-compress-gzip",  # RFC 1952, PHP gzencode
}
TIMEOUT_S = 30.0


class DeliveryError(RuntimeError):
    """The server could not be reached or refused the document (message says which)."""


@dataclass(frozen=True)
class Delivered:
    status: int
    body: str


def encode_glpi(document: dict[str, Any], compression: str) -> tuple[bytes, str]:
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if compression == "zlib":
        return zlib.compress(raw, 9), GLPI_CONTENT_TYPES["zlib"]
    if compression == "gzip":
        return gzip.compress(raw, 9, mtime=0), GLPI_CONTENT_TYPES["gzip"]
    if compression == "none":
        return raw, GLPI_CONTENT_TYPES["none"]
    raise ValueError(f"unknown compression {compression!r} (none, zlib, gzip)")


def glpi_url(url: str) -> str:
    """GLPI answers agents at /front/inventory.php (and /marketplace/glpiinventory/ for the
    plugin); a bare server URL gets the core endpoint, a URL with a path is used as is."""
    if urlsplit(url).path.strip("/"):
        return url
    return url.rstrip("/") + "/front/inventory.php"


def _post(url: str, data: bytes, headers: dict[str, str]) -> Delivered:
    try:
        resp = requests.post(url, data=data, headers=headers, timeout=TIMEOUT_S)
    except requests.RequestException as exc:
        raise DeliveryError(f"{url}: {exc}") from exc
    body = resp.text[:2000]
    if resp.status_code >= 300:
        raise DeliveryError(f"{url}: HTTP {resp.status_code}: {body[:300]}")
    return Delivered(resp.status_code, body)


def post_glpi(url: str, document: dict[str, Any], compression: str = "zlib") -> Delivered:
    data, ctype = encode_glpi(document, compression)
    headers = {
        "Content-Type": ctype,
        "User-Agent": f"deuxvie/{__version__}",
        # the GLPI agent sends its deviceid in this header; GLPI logs it with the request
        "GLPI-Agent-ID": str(document.get("deviceid", "")),
    }
    return _post(glpi_url(url), data, headers)


def snapshot_url(url: str) -> str:
    base = url.rstrip("/")
    return base if base.endswith("/api/v1/snapshot") else base + "/api/v1/snapshot/"


def post_devicehub(url: str, token: str, snapshot: dict[str, Any]) -> Delivered:
    data = json.dumps(snapshot, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "User-Agent": f"deuxvie/{__version__}",
    }
    target = snapshot_url(url)
    return _post(target if target.endswith("/") else target + "/", data, headers)
