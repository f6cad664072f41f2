"""Shared model pieces: probe outcomes, bilingual reasons, JSON conversion."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ProbeStatus(enum.StrEnum):
    OK = "ok"
    ABSENT = "absent"  # no such hardware (no battery on a desktop)
    FAILED = "failed"  # could not tell: tool missing, command failed, bad output


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a probe found. `value` is None unless status is OK."""

    status: ProbeStatus
    value: T | None = None
    reason: str | None = None

    @classmethod
    def ok(cls, value: T) -> Outcome[T]:
        return cls(ProbeStatus.OK, value, None)

    @classmethod
    def absent(cls, reason: str) -> Outcome[T]:
        return cls(ProbeStatus.ABSENT, None, reason)

    @classmethod
    def failed(cls, reason: str) -> Outcome[T]:
        return cls(ProbeStatus.FAILED, None, reason)


@dataclass(frozen=True)
class Reason:
    """A machine-readable code with the operator text in French and English."""

    code: str
    fr: str
    en: str

    def text(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


def jsonable(obj: Any) -> Any:
    """Plain JSON data from model objects (dataclasses, enums, datetimes, tuples)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dt.datetime):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, bytes):
        return obj.hex()
    return obj
