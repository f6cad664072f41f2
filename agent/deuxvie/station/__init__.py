"""The station: this workshop's signing identity (Ed25519 key pair + enrolment record)."""

from deuxvie.station.store import StationError, StationStore, default_dir

__all__ = ["StationError", "StationStore", "default_dir"]
