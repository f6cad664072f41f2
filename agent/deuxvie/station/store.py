"""A station directory (on the stick's persistent partition):

    DIR/station.key    Ed25519 private key, PKCS#8 PEM, mode 0600
    DIR/station.json   {"station_id", "key_id", "public_key", "server"|null, "enrolled_at"|null,
                        "service_key": {"key_id", "public_key"}|null}  (pinned at enrolment)
    DIR/spool/         signed reports waiting for upload (deuxvie.report.spool)
    DIR/sent/          reports the service acknowledged, each with its signed receipt
    DIR/rejected/      reports the service refused for good, with its answer
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from deuxvie import wire
from deuxvie.report.spool import spool_envelope, write_atomic

STATION_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class StationError(Exception):
    pass


def default_dir() -> Path:
    return Path(os.environ.get("DEUXVIE_STATION_DIR", "/var/lib/deuxvie/station"))


@dataclass
class StationStore:
    root: Path

    @property
    def key_path(self) -> Path:
        return self.root / "station.key"

    @property
    def info_path(self) -> Path:
        return self.root / "station.json"

    @property
    def spool_dir(self) -> Path:
        return self.root / "spool"

    @property
    def sent_dir(self) -> Path:
        return self.root / "sent"

    @property
    def rejected_dir(self) -> Path:
        return self.root / "rejected"

    def init(self, station_id: str | None = None) -> dict[str, Any]:
        """Create the key pair. Refuses to replace an existing key: reports already signed
        with it would no longer match an enrolled station."""
        if self.key_path.exists():
            raise StationError(f"{self.key_path} exists: a station key is never overwritten")
        self.root.mkdir(parents=True, exist_ok=True)
        key = wire.generate_private_key()
        kid = wire.key_id(key.public_key())
        sid = station_id or f"station-{kid[:12]}"
        if not STATION_ID_RE.match(sid):
            raise StationError(f"station id {sid!r}: letters, digits, . _ - (max 128)")
        wire.write_private_key(key, self.key_path)
        info = {"station_id": sid, "key_id": kid,
                "public_key": wire.public_key_b64(key.public_key()),
                "server": None, "enrolled_at": None}
        self.save_info(info)
        for d in (self.spool_dir, self.sent_dir, self.rejected_dir):
            d.mkdir(exist_ok=True)
        return info

    def info(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.info_path.read_text("utf-8"))
        except FileNotFoundError as exc:
            raise StationError(
                f"{self.root} is not a station directory (run `deuxvie station init`)"
            ) from exc
        return data

    def save_info(self, info: dict[str, Any]) -> None:
        write_atomic(self.info_path, (json.dumps(info, indent=2) + "\n").encode())

    def service_key(self) -> Ed25519PublicKey | None:
        """The service's receipt-signing key pinned at enrolment (None: not enrolled, or
        enrolled with a service that gave none: no receipt can then be trusted)."""
        pinned = self.info().get("service_key")
        if not isinstance(pinned, dict) or not isinstance(pinned.get("public_key"), str):
            return None
        key = wire.public_key_from_b64(pinned["public_key"])
        if wire.key_id(key) != pinned.get("key_id"):
            raise StationError(f"{self.info_path}: service_key key_id does not match its key")
        return key

    def private_key(self) -> Ed25519PrivateKey:
        try:
            return wire.load_private_key(self.key_path)
        except FileNotFoundError as exc:
            raise StationError(f"no station key in {self.root}") from exc

    def sign(self, report: dict[str, Any]) -> dict[str, Any]:
        """The DSSE envelope of a report built for this station."""
        info = self.info()
        station = report.get("station") or {}
        if station.get("key_id") != info["key_id"] or station.get("id") != info["station_id"]:
            raise StationError("report was built for another station (station.id / key_id)")
        return wire.sign_report(report, self.private_key())

    def sign_and_spool(self, report: dict[str, Any]) -> Path:
        """Sign a report and write it to DIR/spool/ (atomic, idempotent); `deuxvie sync`
        uploads it later. Returns the spooled file."""
        return spool_envelope(self.spool_dir, report["uuid"], self.sign(report))
