"""deuxvie.toml + kernel command line -> Config."""

from __future__ import annotations

from pathlib import Path

import pytest
from deuxvie.config import (
    Config,
    ConfigError,
    build_config,
    load_config,
    parse_cmdline,
)
from deuxvie.host.base import Host

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "deuxvie.example.toml"


class CmdlineHost(Host):
    """Serves only /proc/cmdline; anything else is a test bug."""

    def __init__(self, cmdline: str) -> None:
        self.cmdline = cmdline

    def run(self, argv, *, timeout_s=60.0, input_bytes=None):  # type: ignore[no-untyped-def]
        raise AssertionError(f"config must not run commands: {argv}")

    def read_bytes(self, path: str) -> bytes:
        if path != "/proc/cmdline":
            raise AssertionError(f"config must only read /proc/cmdline, not {path}")
        return self.cmdline.encode()

    def listdir(self, path: str) -> list[str]:
        raise AssertionError(path)

    def exists(self, path: str) -> bool:
        raise AssertionError(path)

    def realpath(self, path: str) -> str:
        raise AssertionError(path)

    def which(self, name: str) -> str | None:
        raise AssertionError(name)


def test_defaults_are_attended_french_purge() -> None:
    cfg = build_config(None, base_dir=Path("/stick"))
    assert cfg.language == "fr"
    assert cfg.unattended is False
    assert cfg.power_off is False
    assert cfg.wipe_method == "purge"
    assert cfg.verify == "full"
    assert cfg.source == ()


def test_example_file_parses_with_paths_relative_to_its_folder() -> None:
    cfg = build_config(EXAMPLE.read_text(), base_dir=Path("/media/stick"))
    assert cfg.server_url == "https://deuxvie.example.org"
    assert cfg.operator == "Camille"
    assert cfg.organisation == "Atelier de Lyon"
    assert (cfg.donor_id, cfg.donor_name, cfg.lot_id) == (
        "D-2026-014",
        "Mairie de Villeurbanne",
        "LOT-42",
    )
    assert cfg.station_dir == Path("/media/stick/station")
    assert cfg.data_dir == Path("/media/stick")
    assert cfg.spool_dir == Path("/media/stick/spool")
    assert cfg.policy_file is None  # "" means the shipped default
    assert cfg.printer == "file:labels/last-label.png"
    assert cfg.label_size == "62"
    assert cfg.cpu_stress_s == 60
    assert cfg.ram_test_pct == 85


def test_kernel_cmdline_overrides_file(tmp_path: Path) -> None:
    conf = tmp_path / "deuxvie.toml"
    conf.write_text('unattended = false\n[station]\noperator = "Camille"\n')
    host = CmdlineHost(
        "BOOT_IMAGE=/live/vmlinuz boot=live quiet deuxvie.unattended "
        'deuxvie.station.operator="Jean Dupont" deuxvie.wipe.method=clear '
        "deuxvie.tests.cpu_stress_s=5 deuxvie.data.dir=/srv/data"
    )
    cfg = load_config(conf, host)
    assert cfg.unattended is True
    assert cfg.operator == "Jean Dupont"
    assert cfg.wipe_method == "clear"
    assert cfg.cpu_stress_s == 5
    assert cfg.data_dir == Path("/srv/data")
    assert cfg.source == (str(conf), "/proc/cmdline")


def test_words_after_double_dash_belong_to_init() -> None:
    assert parse_cmdline("quiet -- deuxvie.unattended=1", base_dir=Path("/")) == {}


def test_overrides_win_over_cmdline() -> None:
    cfg = build_config(
        None,
        base_dir=Path("/"),
        cmdline="deuxvie.unattended=0",
        overrides={"unattended": True},
    )
    assert cfg.unattended is True


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("unatended = true", "unatended"),  # typo: must not fall back to attended silently
        ("[wipe]\nmethode = 'clear'", "wipe.methode"),
        ("[wipe]\nmethod = 'shred'", "wipe.method"),
        ("[wipe]\nverify = 'sample:0'", "wipe.verify"),
        ("unattended = 'peut-être'", "unattended"),
        ("[tests]\nram_test_pct = 99", "tests.ram_test_pct"),
        ("[tests]\ncpu_stress_s = '60s'", "tests.cpu_stress_s"),
        ("[tests]\ncpu_stress_s = true", "tests.cpu_stress_s"),
        ("[server]\nurl = 'ftp://x'", "server.url"),
        ("language = 'de'", "language"),
        ("[label]\nsize = 'A4'", "label.size"),
    ],
)
def test_bad_file_key_is_named(toml: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        build_config(toml, base_dir=Path("/"), origin="stick/deuxvie.toml")
    assert repr(key) in str(err.value)
    assert "stick/deuxvie.toml" in str(err.value)


@pytest.mark.parametrize(
    ("cmdline", "key"),
    [
        ("deuxvie.unattend=1", "unattend"),
        ("deuxvie.unattended=maybe", "unattended"),
        ("deuxvie.tests.ram_test_pct=lots", "tests.ram_test_pct"),
        ("deuxvie.station.operator", "station.operator"),  # a bare word only for booleans
    ],
)
def test_bad_cmdline_key_is_named(cmdline: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        build_config(None, base_dir=Path("/"), cmdline=cmdline)
    assert repr(key) in str(err.value)
    assert "/proc/cmdline" in str(err.value)


def test_invalid_toml_and_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        build_config("unattended = ", base_dir=Path("/"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml", CmdlineHost(""))


def test_data_and_station_default_beside_the_file() -> None:
    cfg = build_config("language = 'en'", base_dir=Path("/data"))
    assert cfg.data_dir == Path("/data")
    assert cfg.station_dir == Path("/data/station")
    cfg = build_config("[data]\ndir = 'sub'", base_dir=Path("/data"))
    assert cfg.station_dir == Path("/data/sub/station")


def test_config_is_frozen() -> None:
    cfg = Config()
    with pytest.raises(AttributeError):
        cfg.unattended = True  # type: ignore[misc]


def test_verify_option_is_the_wipe_commands_rule(tmp_path: Path) -> None:
    """One validator for `wipe.verify` and `deuxvie wipe --verify` (wipe.plan.parse_verify):
    the stick's value comes out as the engine reads it."""
    from deuxvie.wipe.plan import parse_verify

    conf = tmp_path / "deuxvie.toml"
    conf.write_text('[wipe]\nverify = "Sample:2.50"\n')
    assert load_config(conf, CmdlineHost("")).verify == "sample:2.5" == parse_verify("sample:2.50")
    conf.write_text('[wipe]\nverify = "sample:0"\n')
    with pytest.raises(ConfigError, match=r"wipe\.verify"):
        load_config(conf, CmdlineHost(""))
