"""`deuxvie-server serve`: the Flask app under gunicorn, several worker processes.

Why processes: ingest is CPU-bound Python (signature, JSON, schema, SQL building) and one
process runs Python on one core at a time (the GIL); werkzeug's development server is one
process. gthread workers keep client connections alive (the agents' spool sync and the
bench post many reports on one connection) and overlap one request's database wait with
another's CPU. Measured numbers: ADR 0045."""

from __future__ import annotations

import dataclasses
from typing import Any

from deuxvie import wire
from flask import Flask
from gunicorn.app.base import BaseApplication

from deuxvie_server import service_key
from deuxvie_server.app import create_app
from deuxvie_server.config import Config
from deuxvie_server.db import make_engine, upgrade


class _Server(BaseApplication):
    def __init__(self, config: Config, options: dict[str, Any]) -> None:
        self.config_obj = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # Called in each worker after fork (no preload): every worker opens its own
        # database engine; sharing pooled connections across fork() corrupts them.
        return create_app(self.config_obj)


def serve(config: Config, host: str, port: int, workers: int, threads: int = 4) -> None:
    """Migrate once in this (master) process, then run `workers` gunicorn workers."""
    upgrade(make_engine(config.db_url))
    # The service key is created here, before the fork, so all workers sign with one key;
    # with no file to keep it in, its PEM travels in the config (lost at restart).
    key = service_key.resolve(config.service_key_path, config.db_url, config.service_key_pem)
    pem = None
    if not config.service_key_path and service_key.default_path(config.db_url) is None:
        pem = wire.private_key_pem(key)
    worker_config = dataclasses.replace(config, migrate=False, service_key_pem=pem)
    _Server(worker_config, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "keepalive": 30,
        # a report of several MB over a slow workshop link must not be cut at 30 s
        "timeout": 120,
        "graceful_timeout": 30,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }).run()
