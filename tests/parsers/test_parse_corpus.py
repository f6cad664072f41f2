"""Every file of ../shared/corpus goes through its parser (tests/conftest.py CORPUS)."""

from __future__ import annotations

from pathlib import Path

from deuxvie.commands.parse import smartctl_json
from deuxvie.parsers.dmidecode import parse_dmidecode
from deuxvie.parsers.edid import parse_edid
from deuxvie.parsers.lspci import gpus, network_controllers, parse_lspci
from deuxvie.parsers.smartctl import parse_smartctl


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_every_smartctl_capture_parses_without_any_exception(corpus_dir: Path) -> None:
    files = _files(corpus_dir / "smartctl")
    assert len(files) >= 75
    with_model = 0
    for path in files:
        facts = parse_smartctl(path.read_bytes())  # not even ParseError: all are real outputs
        doc = smartctl_json(facts)  # what `deuxvie parse smartctl` prints, verdict included
        assert doc["verdict"] in ("PASS", "WARN", "FAIL", "UNKNOWN"), path.name
        if facts.model is not None:
            with_model += 1
        else:
            assert facts.messages, f"{path.name}: no model and no smartctl message"
    # Only the *ERROR_* captures (smartctl could not open the device) have no model.
    assert with_model == sum(1 for p in files if "ERROR_" not in p.name)


def test_every_edid_parses_and_matches_its_twin(corpus_dir: Path) -> None:
    files = _files(corpus_dir / "edid")
    assert len(files) >= 60
    for path in files:
        info = parse_edid(path.read_bytes())
        twin = path.with_suffix(".txt" if path.suffix == ".bin" else ".bin")
        if twin.exists():
            assert parse_edid(twin.read_bytes()) == info, path.name
        assert info.checksum_valid and info.preferred is not None, path.name


def test_every_dmidecode_dump_parses(corpus_dir: Path) -> None:
    files = _files(corpus_dir / "dmidecode")
    assert len(files) >= 19
    for path in files:
        info = parse_dmidecode(path.read_bytes())
        # Every corpus dump has at least one populated DIMM and a BIOS vendor.
        assert info.memory.modules and info.memory.total_bytes > 0, path.name
        assert info.bios.vendor is not None, path.name


def test_every_lspci_capture_parses(corpus_dir: Path) -> None:
    for path in _files(corpus_dir / "lspci"):
        devices = parse_lspci(path.read_bytes())
        assert len(gpus(devices)) == 1, path.name  # each snapshot is a PC with one iGPU
        assert network_controllers(devices), path.name
