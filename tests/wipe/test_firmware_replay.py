"""Firmware erase paths against replayed nvme-cli 2.3 / hdparm 9.65 / sg3_utils outputs:
the exact argv sequence, and the record that results once the data is verified."""

from __future__ import annotations

from pathlib import Path

from deuxvie.model.erasure import ErasureStatus, NistCategory
from deuxvie.wipe.engine import WipeHooks, execute_plan
from deuxvie.wipe.journal import Journal
from deuxvie.wipe.plan import Method, WipeOptions

from .helpers import plan_for
from .replay import MediumReplayHost, donor, make_bundle, scramble, zero

SIZE = 1024 * 1024  # 2048 sectors, matching the recorded hdparm -N / id-ns
SDA = "/dev/sda"
HD_I = ("hdparm", "-I", SDA)
HD_N = ("hdparm", "-N", SDA)
HD_DCO = ("hdparm", "--dco-identify", SDA)
ATA_PROBE = [(HD_I, 0, "hdparm-I-ssd-sanitize.txt"), (HD_N, 0, "hdparm-N-nohpa.txt"),
             (HD_DCO, 0, "hdparm-dco-2048.txt")]
NV = "/dev/nvme0n1"
ID_CTRL = ("nvme", "id-ctrl", "/dev/nvme0", "--output-format=json")
ID_NS = ("nvme", "id-ns", NV, "--output-format=json")
NO_SLEEP = WipeHooks(sleep=lambda s: None, poll_interval_s=5)


def _host(tmp_path: Path, kind: str, commands, effects=None) -> MediumReplayHost:
    bundle = make_bundle(tmp_path / "bundle", kind, commands, SIZE)
    image = tmp_path / "medium.img"
    donor(image, SIZE)
    return MediumReplayHost(bundle, image, effects)


def _wipe(host: MediumReplayHost, dev: str, tmp_path: Path, **opts):
    plan = plan_for(host, dev, WipeOptions(**opts))
    rec = execute_plan(host, plan, journal=Journal(tmp_path / "journal"), hooks=NO_SLEEP)
    return plan, rec


def test_ata_sanitize_crypto_scramble_polls_then_verifies_no_original_data(tmp_path):
    start = ("hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-crypto-scramble", SDA)
    status = ("hdparm", "--sanitize-status", SDA)
    host = _host(tmp_path, "sata", [
        *ATA_PROBE, (start, 0, "hdparm-sanitize-crypto-start.txt"),
        (status, 0, "hdparm-sanitize-status-sd2-25.txt"),
        (status, 0, "hdparm-sanitize-status-sd2-75.txt"),
        (status, 0, "hdparm-sanitize-status-sd0-ok.txt")], {start: scramble})
    plan, rec = _wipe(host, SDA, tmp_path)
    assert plan.method is Method.ATA_SANITIZE and plan.firmware and plan.firmware.crypto
    assert host.calls == [HD_I, HD_N, HD_DCO, start, status, status, status]
    assert rec.status is ErasureStatus.ERASED, rec.reasons
    assert rec.category is NistCategory.PURGE
    assert rec.technique == "ata-sanitize-crypto-scramble"
    assert rec.commands == (start, status, status, status)
    assert rec.verification_coverage_pct == 100.0 and rec.bytes_verified == SIZE
    assert rec.media.serial == "S3Z1NB0K123456A" and rec.media.wwn == "0x5002538e40a22954"
    assert rec.media.by_id.endswith("S3Z1NB0K123456A") and rec.media.kind == "sata_ssd"
    assert b"DONOR" not in host.image.read_bytes()


def test_crypto_erase_that_changed_nothing_is_failed(tmp_path):
    start = ("hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-crypto-scramble", SDA)
    status = ("hdparm", "--sanitize-status", SDA)
    host = _host(tmp_path, "sata", [
        *ATA_PROBE, (start, 0, "hdparm-sanitize-crypto-start.txt"),
        (status, 0, "hdparm-sanitize-status-sd0-ok.txt")])  # drive lies: nothing changed
    _, rec = _wipe(host, SDA, tmp_path, verify="sample:10")
    assert rec.status is ErasureStatus.FAILED
    assert rec.errors and all("unchanged" in e.message for e in rec.errors)


def test_ata_sanitize_failure_falls_back_to_overwrite(tmp_path):
    start = ("hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-crypto-scramble", SDA)
    status = ("hdparm", "--sanitize-status", SDA)
    host = _host(tmp_path, "sata", [
        *ATA_PROBE, (start, 0, "hdparm-sanitize-crypto-start.txt"),
        (status, 0, "hdparm-sanitize-status-sd3.txt")])
    _, rec = _wipe(host, SDA, tmp_path)
    assert rec.status is ErasureStatus.ERASED_WITH_WARNINGS
    codes = [r.code for r in rec.reasons]
    assert "ata_sanitize_failed" in codes and "fallback_overwrite" in codes
    assert rec.bytes_written == SIZE and host.image.read_bytes() == bytes(SIZE)


def test_ata_secure_erase_aborted_by_disk_removes_password_then_overwrites(tmp_path):
    """QEMU's AHCI disk aborts SECURITY ERASE UNIT while hdparm exits 0 (QEMU-RIG.md)."""
    set_pass = ("hdparm", "--user-master", "u", "--security-set-pass", "deuxvie", SDA)
    erase = ("hdparm", "--user-master", "u", "--security-erase-enhanced", "deuxvie", SDA)
    disable = ("hdparm", "--user-master", "u", "--security-disable", "deuxvie", SDA)
    host = _host(tmp_path, "sata", [
        (HD_I, 0, "hdparm-I-ssd-nosanitize.txt"),  # probe
        (HD_N, 0, "hdparm-N-nohpa.txt"), (HD_DCO, 0, "hdparm-dco-2048.txt"),
        (HD_I, 0, "hdparm-I-ssd-nosanitize.txt"),  # before set-pass
        (set_pass, 0, "hdparm-set-pass.txt"),
        (HD_I, 0, "hdparm-I-ssd-enabled.txt"),  # password accepted
        (erase, 0, "hdparm-erase.txt"),  # exit 0...
        (HD_I, 0, "hdparm-I-ssd-enabled.txt"),  # ...but still enabled: aborted
        (disable, 0, "hdparm-disable.txt"),
        (HD_I, 0, "hdparm-I-ssd-nosanitize.txt")])  # password removed
    plan, rec = _wipe(host, SDA, tmp_path, method=Method.ATA_SECURE_ERASE)
    assert plan.firmware and plan.firmware.argv == erase
    assert host.calls == [HD_I, HD_N, HD_DCO, HD_I, set_pass, HD_I, erase, HD_I, disable, HD_I]
    assert rec.status is ErasureStatus.ERASED_WITH_WARNINGS
    assert {"ata_erase_aborted", "fallback_overwrite"} <= {r.code for r in rec.reasons}
    assert host.image.read_bytes() == bytes(SIZE)


def test_ata_secure_erase_never_silently_leaves_a_password(tmp_path):
    set_pass = ("hdparm", "--user-master", "u", "--security-set-pass", "deuxvie", SDA)
    erase = ("hdparm", "--user-master", "u", "--security-erase-enhanced", "deuxvie", SDA)
    disable = ("hdparm", "--user-master", "u", "--security-disable", "deuxvie", SDA)
    host = _host(tmp_path, "sata", [
        (HD_I, 0, "hdparm-I-ssd-nosanitize.txt"), (HD_N, 0, "hdparm-N-nohpa.txt"),
        (HD_DCO, 0, "hdparm-dco-2048.txt"), (HD_I, 0, "hdparm-I-ssd-nosanitize.txt"),
        (set_pass, 0, "hdparm-set-pass.txt"), (HD_I, 0, "hdparm-I-ssd-enabled.txt"),
        (erase, 0, "hdparm-erase.txt"), (HD_I, 0, "hdparm-I-ssd-enabled.txt"),
        (disable, 5, "hdparm-disable.txt"), (HD_I, 0, "hdparm-I-ssd-enabled.txt")])
    _, rec = _wipe(host, SDA, tmp_path, method=Method.ATA_SECURE_ERASE)
    assert rec.status is ErasureStatus.FAILED
    left = [r for r in rec.reasons if r.code == "ata_password_left"]
    assert left and "--security-disable deuxvie /dev/sda" in left[0].en


def test_ata_secure_erase_success_is_verified_zero(tmp_path):
    set_pass = ("hdparm", "--user-master", "u", "--security-set-pass", "deuxvie", SDA)
    erase = ("hdparm", "--user-master", "u", "--security-erase-enhanced", "deuxvie", SDA)
    host = _host(tmp_path, "sata", [
        (HD_I, 0, "hdparm-I-ssd-nosanitize.txt"), (HD_N, 0, "hdparm-N-nohpa.txt"),
        (HD_DCO, 0, "hdparm-dco-2048.txt"), (HD_I, 0, "hdparm-I-ssd-nosanitize.txt"),
        (set_pass, 0, "hdparm-set-pass.txt"), (HD_I, 0, "hdparm-I-ssd-enabled.txt"),
        (erase, 0, "hdparm-erase.txt"), (HD_I, 0, "hdparm-I-ssd-nosanitize.txt")],
        {erase: zero})
    _, rec = _wipe(host, SDA, tmp_path)  # auto on a SATA SSD without SANITIZE
    assert rec.technique == "ata-secure-erase-enhanced"
    assert rec.status is ErasureStatus.ERASED and rec.category is NistCategory.PURGE
    assert rec.bytes_written == 0 and rec.bytes_verified == SIZE


def test_frozen_security_falls_back_to_overwrite_and_says_why(tmp_path):
    host = _host(tmp_path, "sata", [
        (HD_I, 0, "hdparm-I-ssd-frozen.txt"), (HD_N, 0, "hdparm-N-nohpa.txt"),
        (HD_DCO, 0, "hdparm-dco-2048.txt")])
    plan, rec = _wipe(host, SDA, tmp_path)
    assert plan.method is Method.ZERO and plan.firmware is None
    assert "ata_frozen" in [n.code for n in plan.notes]
    assert rec.status is ErasureStatus.ERASED and rec.category is NistCategory.CLEAR
    assert host.calls == [HD_I, HD_N, HD_DCO]


def test_frozen_with_unfreeze_policy_plans_a_suspend_cycle(tmp_path):
    host = _host(tmp_path, "sata", [
        (HD_I, 0, "hdparm-I-ssd-frozen.txt"), (HD_N, 0, "hdparm-N-nohpa.txt"),
        (HD_DCO, 0, "hdparm-dco-2048.txt"),
        (("rtcwake", "-m", "mem", "-s", "5"), 0, ""),
        (HD_I, 0, "hdparm-I-ssd-frozen.txt")])  # still frozen after resume
    plan, rec = _wipe(host, SDA, tmp_path, try_unfreeze=True)
    assert plan.unfreeze == ("rtcwake", "-m", "mem", "-s", "5")
    assert [s.kind for s in plan.steps][:2] == ["unfreeze", "firmware"]
    assert rec.status is ErasureStatus.ERASED_WITH_WARNINGS  # overwrite instead
    assert "ata_frozen" in [r.code for r in rec.reasons]


def test_hpa_is_removed_and_the_native_size_wiped(tmp_path):
    restore = ("hdparm", "--yes-i-know-what-i-am-doing", "-Np2048", SDA)
    host = _host(tmp_path, "sata", [
        (HD_I, 0, "hdparm-I-ssd-frozen.txt"), (HD_N, 0, "hdparm-N-hpa.txt"),
        (HD_DCO, 0, "hdparm-dco-2048.txt"), (restore, 0, "hdparm-N-set.txt"),
        (HD_N, 0, "hdparm-N-nohpa.txt")])
    plan, rec = _wipe(host, SDA, tmp_path)
    assert plan.hpa_restore == restore and plan.steps[0].kind == "hpa-restore"
    assert host.calls == [HD_I, HD_N, HD_DCO, restore, HD_N]
    assert host.written == [("/sys/block/sda/device/rescan", "1")]
    assert rec.size_before_bytes == 1024 * 512 and rec.size_after_bytes == SIZE
    assert rec.status is ErasureStatus.ERASED and restore in rec.commands
    assert (rec.media.hpa, rec.media.native_size_bytes, rec.media.dco) == ("removed", SIZE, "none")


def test_hpa_that_stays_means_no_certificate(tmp_path):
    restore = ("hdparm", "--yes-i-know-what-i-am-doing", "-Np2048", SDA)
    host = _host(tmp_path, "sata", [
        (HD_I, 0, "hdparm-I-ssd-frozen.txt"), (HD_N, 0, "hdparm-N-hpa.txt"),
        (HD_DCO, 0, "hdparm-dco-2048.txt"), (restore, 0, "hdparm-N-set.txt")])
    # hdparm -N keeps answering "1024/2048, HPA is enabled": the drive refused.
    _, rec = _wipe(host, SDA, tmp_path)
    assert rec.status is ErasureStatus.FAILED
    assert "hidden_area" in [r.code for r in rec.reasons]


def test_dco_shrunk_disk_is_not_certified(tmp_path):
    host = _host(tmp_path, "sata", [
        (HD_I, 0, "hdparm-I-ssd-frozen.txt"), (HD_N, 0, "hdparm-N-nohpa.txt"),
        (HD_DCO, 0, "hdparm-dco-4096.txt")])
    plan, rec = _wipe(host, SDA, tmp_path)
    assert "dco_present" in [n.code for n in plan.notes]
    assert (rec.media.hpa, rec.media.dco) == ("none", "present")
    assert rec.status is ErasureStatus.FAILED


def test_nvme_format_ses1_when_fna_has_no_crypto(tmp_path):
    fmt = ("nvme", "format", NV, "--namespace-id=1", "--lbaf=0", "--ses=1", "--force")
    host = _host(tmp_path, "nvme", [(ID_CTRL, 0, "nvme-id-ctrl-fna0.json"),
                                    (ID_NS, 0, "nvme-id-ns.json"),
                                    (fmt, 0, "nvme-format-ok.txt")], {fmt: zero})
    plan, rec = _wipe(host, NV, tmp_path)
    assert "nvme_no_crypto" in [n.code for n in plan.notes]
    assert host.calls == [ID_CTRL, ID_NS, fmt]
    assert rec.status is ErasureStatus.ERASED and rec.technique == "nvme-format-ses1"
    assert rec.commands == (fmt,) and rec.category is NistCategory.PURGE
    assert rec.media.serial == "S4EWNX0R123456" and rec.media.kind == "nvme"


def test_nvme_format_ses2_only_when_fna_advertises_crypto(tmp_path):
    fmt = ("nvme", "format", NV, "--namespace-id=1", "--lbaf=0", "--ses=2", "--force")
    host = _host(tmp_path, "nvme", [(ID_CTRL, 0, "nvme-id-ctrl-fna4.json"),
                                    (ID_NS, 0, "nvme-id-ns.json"),
                                    (fmt, 0, "nvme-format-ok.txt")], {fmt: scramble})
    _, rec = _wipe(host, NV, tmp_path)
    assert rec.technique == "nvme-format-ses2" and rec.status is ErasureStatus.ERASED
    assert rec.commands == (fmt,)


def test_nvme_sanitize_block_polls_sanitize_log(tmp_path):
    san = ("nvme", "sanitize", "/dev/nvme0", "--sanact=2")
    log = ("nvme", "sanitize-log", "/dev/nvme0", "--output-format=json")
    host = _host(tmp_path, "nvme", [(ID_CTRL, 0, "nvme-id-ctrl-sanitize-block.json"),
                                    (ID_NS, 0, "nvme-id-ns.json"), (san, 0, ""),
                                    (log, 0, "nvme-sanitize-log-progress.json"),
                                    (log, 0, "nvme-sanitize-log-progress.json"),
                                    (log, 0, "nvme-sanitize-log-done.json")], {san: zero})
    progress = []
    plan = plan_for(host, NV, WipeOptions())
    rec = execute_plan(host, plan, progress.append, journal=Journal(tmp_path / "j"),
                       hooks=WipeHooks(sleep=lambda s: None, poll_interval_s=5))
    assert host.calls == [ID_CTRL, ID_NS, san, log, log, log]
    assert rec.status is ErasureStatus.ERASED and rec.technique == "nvme-sanitize-block"
    assert any(p.phase == "firmware" for p in progress)


def test_nvme_sanitize_failure_is_never_erased_without_overwrite(tmp_path):
    san = ("nvme", "sanitize", "/dev/nvme0", "--sanact=2")
    log = ("nvme", "sanitize-log", "/dev/nvme0", "--output-format=json")
    host = _host(tmp_path, "nvme", [(ID_CTRL, 0, "nvme-id-ctrl-sanitize-block.json"),
                                    (ID_NS, 0, "nvme-id-ns.json"), (san, 0, ""),
                                    (log, 0, "nvme-sanitize-log-failed.json")])
    plan = plan_for(host, NV, WipeOptions(fallback_overwrite=False))
    rec = execute_plan(host, plan, journal=Journal(tmp_path / "j"), hooks=NO_SLEEP)
    assert rec.status is ErasureStatus.FAILED
    assert "nvme_sanitize_failed" in [r.code for r in rec.reasons]
    assert b"DONOR" in host.image.read_bytes()


def test_scsi_sanitize_invalid_opcode_falls_back(tmp_path):
    sg = ("sg_sanitize", "--quick", "--wait", "--block", SDA)
    host = _host(tmp_path, "sata", [*ATA_PROBE, (sg, 9, "")])
    plan, rec = _wipe(host, SDA, tmp_path, method=Method.SCSI_SANITIZE)
    assert plan.firmware and plan.firmware.argv == sg
    assert sg in rec.commands
    assert rec.status is ErasureStatus.ERASED_WITH_WARNINGS
    assert "scsi_sanitize_failed" in [r.code for r in rec.reasons]


def test_unsupported_explicit_method_is_refused(tmp_path):
    host = _host(tmp_path, "sata", [*ATA_PROBE])
    plan, rec = _wipe(host, SDA, tmp_path, method=Method.NVME_SANITIZE)
    assert plan.refused and rec.status is ErasureStatus.SKIPPED
    assert b"DONOR" in host.image.read_bytes()


def test_real_outputs_of_a_disk_without_ata_passthrough(tmp_path):
    """Real hdparm 9.65 / sg3_utils 1.46 answers for a device that speaks no ATA/SCSI
    pass-through (captured on a loop device here): hdparm -I prints only the device name
    and exits 0; the plan must not believe it and falls back to an overwrite."""
    sg = ("sg_sanitize", "--quick", "--wait", "--block", SDA)
    host = _host(tmp_path, "sata", [
        (HD_I, 0, "real-hdparm-I-no-ata.txt"), (HD_N, 0, "real-hdparm-N-no-ata.txt"),
        (HD_DCO, 0, "real-hdparm-dco-no-ata.txt"), (sg, 72, "real-sg_sanitize-no-scsi.txt")])
    plan, rec = _wipe(host, SDA, tmp_path)
    assert plan.firmware is None and plan.method is Method.ZERO
    assert plan.target.caps.ata is None and len(plan.target.caps.notes) == 3
    assert rec.status is ErasureStatus.ERASED and rec.category is NistCategory.CLEAR
    host2 = _host(tmp_path / "2", "sata", [
        (HD_I, 0, "real-hdparm-I-no-ata.txt"), (HD_N, 0, "real-hdparm-N-no-ata.txt"),
        (HD_DCO, 0, "real-hdparm-dco-no-ata.txt")])
    plan2, rec2 = _wipe(host2, SDA, tmp_path / "2", method=Method.ATA_SANITIZE)
    assert plan2.refused and rec2.status is ErasureStatus.SKIPPED
    host3 = _host(tmp_path / "3", "sata", [
        (HD_I, 0, "real-hdparm-I-no-ata.txt"), (HD_N, 0, "real-hdparm-N-no-ata.txt"),
        (HD_DCO, 0, "real-hdparm-dco-no-ata.txt"), (sg, 72, "real-sg_sanitize-no-scsi.txt")])
    _, rec3 = _wipe(host3, SDA, tmp_path / "3", method=Method.SCSI_SANITIZE)
    assert rec3.status is ErasureStatus.ERASED_WITH_WARNINGS
    assert any("exit 72" in line for line in rec3.firmware_log)
