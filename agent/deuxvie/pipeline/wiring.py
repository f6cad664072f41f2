"""Assembly of a real run: the steps of pipeline/steps/ (one module each, listed in
steps/registry.py) and the service URL the run reports to."""

from __future__ import annotations

import dataclasses

from deuxvie.config import Config
from deuxvie.pipeline.steps.registry import REGISTRY, real_steps
from deuxvie.station.store import StationError, StationStore

__all__ = ["REGISTRY", "real_steps", "resolve_server"]


def resolve_server(config: Config) -> Config:
    """The service URL: the config's, else the one the station enrolled with."""
    if config.server_url:
        return config
    try:
        server = StationStore(config.station_dir).info().get("server")
    except (StationError, OSError, ValueError):
        return config
    return dataclasses.replace(config, server_url=server) if server else config
