"""Pure parts of the wipe: patterns, sampling, parsers, option parsing."""

from __future__ import annotations

import mmap
import random

import pytest
from deuxvie.parsers.errors import ParseError
from deuxvie.probes.usage import parse_mountinfo
from deuxvie.wipe import firmware_ata, firmware_nvme, hpa
from deuxvie.wipe.patterns import SLACK_BYTES, AesCtrPattern
from deuxvie.wipe.plan import parse_verify
from deuxvie.wipe.verify import sample_ranges

from .replay import DATA

MIB = 1024 * 1024


def test_keystream_regenerates_any_range_identically():
    key, iv = bytes(range(32)), b"\xff" * 16  # counter wraps past 2**128 - 1
    whole = mmap.mmap(-1, 64 * 1024 + SLACK_BYTES)
    AesCtrPattern(key, iv).fill(whole, 0, 64 * 1024)
    part = mmap.mmap(-1, 4096 + SLACK_BYTES)
    AesCtrPattern(key, iv).fill(part, 40960, 4096)
    assert part[:4096] == whole[40960:45056]
    assert whole[:4096] != bytes(4096)
    other = mmap.mmap(-1, 4096 + SLACK_BYTES)
    AesCtrPattern().fill(other, 0, 4096)  # a fresh random key gives another stream
    assert other[:4096] != whole[:4096]
    with pytest.raises(ValueError):
        AesCtrPattern(key, iv).fill(part, 8, 16)


def test_sample_ranges_are_stratified_and_include_both_ends():
    size = 1000 * MIB + 4096
    ranges = sample_ranges(size, 2.0, 512, rng=random.Random(7))
    assert ranges[0][0] == 0
    assert ranges[-1][0] + ranges[-1][1] == size
    covered = sum(n for _, n in ranges)
    assert 0.02 * size <= covered <= 0.03 * size
    assert all(o % 512 == 0 and o + n <= size for o, n in ranges)
    # every tenth of the device holds at least one sample
    tenths = {min(9, o * 10 // size) for o, _ in ranges}
    assert tenths == set(range(10))
    assert sample_ranges(2 * MIB, 1.0, 512) == [(0, 2 * MIB)]  # too small: read it all


def test_parse_verify():
    assert parse_verify("full") == "full" and parse_verify("sample:2.50") == "sample:2.5"
    for bad in ("sample:0", "sample:101", "sample:x", "half"):
        with pytest.raises(ValueError):
            parse_verify(bad)


def test_hdparm_identify_security_and_sanitize_bits():
    sec = firmware_ata.parse_identify((DATA / "hdparm-I-ssd-sanitize.txt").read_text())
    assert sec.supported and not sec.enabled and not sec.frozen and not sec.locked
    assert sec.sanitize and sec.crypto_scramble and sec.block_erase and not sec.overwrite
    assert sec.enhanced_erase and (sec.erase_minutes, sec.enhanced_erase_minutes) == (4, 8)
    frozen = firmware_ata.parse_identify((DATA / "hdparm-I-ssd-frozen.txt").read_text())
    assert frozen.frozen and not frozen.sanitize
    enabled = firmware_ata.parse_identify((DATA / "hdparm-I-ssd-enabled.txt").read_text())
    assert enabled.enabled
    with pytest.raises(ParseError):
        firmware_ata.parse_identify("HDIO_DRIVE_CMD(identify) failed: Invalid argument")


def test_hdparm_sanitize_status_hpa_dco():
    st = firmware_ata.parse_sanitize_status(
        (DATA / "hdparm-sanitize-status-sd2-75.txt").read_text())
    assert st.state == "SD2" and st.progress == 0.75
    ok = firmware_ata.parse_sanitize_status(
        (DATA / "hdparm-sanitize-status-sd0-ok.txt").read_text())
    assert ok.state == "SD0" and ok.last_ok is True
    with pytest.raises(ParseError, match="not supported"):
        firmware_ata.parse_sanitize_status("\n/dev/sda:\nSANITIZE feature set is not supported\n")
    state = hpa.parse_hdparm_n((DATA / "hdparm-N-hpa.txt").read_text())
    assert (state.visible_sectors, state.native_sectors, state.enabled) == (1024, 2048, True)
    assert state.hidden_sectors == 1024
    assert hpa.parse_dco_real_max((DATA / "hdparm-dco-4096.txt").read_text()) == 4096


def test_nvme_parsers():
    fna, sanicap, ident = firmware_nvme.parse_id_ctrl(
        (DATA / "nvme-id-ctrl-fna4.json").read_text())
    assert (fna, sanicap, ident["sn"]) == (4, 0, "S4EWNX0R123456")
    assert firmware_nvme.parse_id_ns((DATA / "nvme-id-ns.json").read_text()) == 0
    st = firmware_nvme.parse_sanitize_log(
        (DATA / "nvme-sanitize-log-progress.json").read_text())
    assert st.code == firmware_nvme.SSTAT_IN_PROGRESS and st.progress == 0.5
    raw = firmware_nvme.parse_sanitize_log('{"sprog": 65535, "sstat": 257}')
    assert raw.code == firmware_nvme.SSTAT_OK and raw.global_erased
    with pytest.raises(ParseError):
        firmware_nvme.parse_sanitize_log("NVMe status: INVALID_OPCODE")


def test_mountinfo_escapes():
    rows = parse_mountinfo("36 35 7:3 / /media/my\\040disk rw - ext4 /dev/loop3 rw\n")
    assert rows == [("7:3", "/media/my disk", "/dev/loop3")]
