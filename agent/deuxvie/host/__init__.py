"""Hardware boundary: see base.Host."""

from deuxvie.host.base import (
    CommandNotFound,
    CommandResult,
    CommandTimeout,
    Host,
    HostError,
    ReplayMissing,
)
from deuxvie.host.bundle import RecordingHost, ReplayHost
from deuxvie.host.local import LocalHost

__all__ = [
    "CommandNotFound",
    "CommandResult",
    "CommandTimeout",
    "Host",
    "HostError",
    "LocalHost",
    "RecordingHost",
    "ReplayHost",
    "ReplayMissing",
]
