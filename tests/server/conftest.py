"""Server fixtures: every DB test runs twice, against SQLite and a real PostgreSQL."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench/ is not an installed package: test_bench_server imports it from the checkout
if str(Path(__file__).resolve().parents[2]) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parents[2]))

from deuxvie_server.app import create_app
from deuxvie_server.config import Config
from pgcluster import PgCluster
from server_helpers import ADMIN, enrol

_db_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    if os.environ.get("DEUXVIE_SKIP_POSTGRES") == "1":
        pytest.skip("DEUXVIE_SKIP_POSTGRES=1")
    cluster = PgCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite3'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.createdb(f"t{os.getpid()}_{next(_db_counter)}")


@pytest.fixture
def app(db_url: str) -> Iterator[Flask]:
    app = create_app(Config(db_url=db_url, admin_token=ADMIN))
    yield app
    app.extensions["deuxvie"]["engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def station_key(app: Flask) -> Ed25519PrivateKey:
    return enrol(app)
