"""Run a planned firmware erase through the Host, re-reading the drive state after every
step (exit codes are not evidence, see firmware_ata). Returns what happened; the engine
then verifies the data whatever the drive said."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from deuxvie.host.base import CommandResult, Host, HostError
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.parsers.errors import ParseError
from deuxvie.wipe import firmware_ata, firmware_nvme
from deuxvie.wipe.plan import FirmwareOp, Method, WipePlan


@dataclass
class FirmwareResult:
    ok: bool = False
    commands: list[tuple[str, ...]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    password_left: bool = False


class _Runner:
    def __init__(self, host: Host, result: FirmwareResult) -> None:
        self.host, self.result = host, result

    def run(self, argv: tuple[str, ...], timeout_s: float = 120.0) -> CommandResult:
        self.result.commands.append(argv)
        r = self.host.run(argv, timeout_s=timeout_s)
        line = (r.text.strip() or r.error_text.strip()).splitlines()
        self.result.log.append(f"{' '.join(argv)} -> exit {r.returncode}"
                               + (f": {line[-1]}" if line else ""))
        return r


def _fail(result: FirmwareResult, code: str, fr: str, en: str) -> FirmwareResult:
    result.ok = False
    result.reasons.append(reason(code, fr, en))
    return result


Progress = Callable[[float, str], None]  # (fraction 0..1, detail)


def run_firmware(host: Host, plan: WipePlan, progress: Progress,
                 sleep: Callable[[float], None], poll_interval_s: float) -> FirmwareResult:
    op = plan.firmware
    assert op is not None
    result = FirmwareResult()
    runner = _Runner(host, result)
    try:
        if op.kind is Method.NVME_FORMAT:
            return _nvme_format(runner, op)
        if op.kind is Method.NVME_SANITIZE:
            return _nvme_sanitize(runner, op, progress, sleep, poll_interval_s)
        if op.kind is Method.ATA_SANITIZE:
            return _ata_sanitize(runner, op, progress, sleep, poll_interval_s)
        if op.kind is Method.ATA_SECURE_ERASE:
            return _ata_secure_erase(runner, plan, op)
        if op.kind is Method.SCSI_SANITIZE:
            r = runner.run(op.argv, timeout_s=op.timeout_s)
            if r.returncode != 0:
                return _fail(result, "scsi_sanitize_failed",
                             f"sg_sanitize a échoué (code {r.returncode})",
                             f"sg_sanitize failed (exit {r.returncode})")
            result.ok = True
            return result
    except (HostError, ParseError) as exc:
        return _fail(result, "firmware_error", f"commande du disque impossible : {exc}",
                     f"drive command failed: {exc}")
    raise ValueError(f"not a firmware method: {op.kind}")


def _nvme_format(runner: _Runner, op: FirmwareOp) -> FirmwareResult:
    r = runner.run(op.argv, timeout_s=op.timeout_s)
    # nvme-cli returns the NVMe status (non-zero) when the controller rejects Format.
    if r.returncode != 0:
        return _fail(runner.result, "nvme_format_failed",
                     f"nvme format refusé par le contrôleur (code {r.returncode})",
                     f"nvme format rejected by the controller (exit {r.returncode})")
    runner.result.ok = True
    return runner.result


def _nvme_sanitize(runner: _Runner, op: FirmwareOp, progress: Progress,
                   sleep: Callable[[float], None], poll_interval_s: float) -> FirmwareResult:
    assert op.poll_argv is not None
    r = runner.run(op.argv, timeout_s=120)
    if r.returncode != 0:
        return _fail(runner.result, "nvme_sanitize_failed",
                     f"nvme sanitize refusé (code {r.returncode})",
                     f"nvme sanitize rejected (exit {r.returncode})")
    waited = 0.0
    while True:
        st = firmware_nvme.parse_sanitize_log(runner.run(op.poll_argv, timeout_s=60).text)
        if st.code == firmware_nvme.SSTAT_IN_PROGRESS:
            progress(st.progress, st.text)
            if waited > op.timeout_s:
                return _fail(runner.result, "sanitize_timeout", "sanitize trop long",
                             "sanitize took too long")
            sleep(poll_interval_s)
            waited += poll_interval_s
            continue
        runner.result.log.append(f"sanitize status: {st.text}")
        if st.code in (firmware_nvme.SSTAT_OK, firmware_nvme.SSTAT_OK_NO_DEALLOC):
            progress(1.0, st.text)
            runner.result.ok = True
            return runner.result
        return _fail(runner.result, "nvme_sanitize_failed",
                     f"le sanitize NVMe a échoué : {st.text}", f"NVMe sanitize failed: {st.text}")


def _ata_sanitize(runner: _Runner, op: FirmwareOp, progress: Progress,
                  sleep: Callable[[float], None], poll_interval_s: float) -> FirmwareResult:
    assert op.poll_argv is not None
    r = runner.run(op.argv, timeout_s=120)
    if "not supported" in r.text or r.returncode != 0:
        return _fail(runner.result, "ata_sanitize_failed",
                     "SANITIZE ATA refusé par le disque", "ATA SANITIZE rejected by the disk")
    waited = 0.0
    while True:
        st = firmware_ata.parse_sanitize_status(runner.run(op.poll_argv, timeout_s=60).text)
        if st.state == "SD2":
            progress(st.progress or 0.0, st.text.splitlines()[-1])
            if waited > op.timeout_s:
                return _fail(runner.result, "sanitize_timeout", "sanitize trop long",
                             "sanitize took too long")
            sleep(poll_interval_s)
            waited += poll_interval_s
            continue
        if st.state == "SD0" and st.last_ok:
            progress(1.0, "done")
            runner.result.ok = True
            return runner.result
        return _fail(runner.result, "ata_sanitize_failed",
                     f"SANITIZE ATA non terminé ({st.state})", f"ATA SANITIZE did not complete "
                     f"({st.state})")


def _identify(runner: _Runner, dev: str) -> firmware_ata.AtaSecurity:
    return firmware_ata.parse_identify(runner.run(firmware_ata.identify_argv(dev), 60).text)


def _ata_secure_erase(runner: _Runner, plan: WipePlan, op: FirmwareOp) -> FirmwareResult:
    dev = plan.target.media.path
    res = runner.result
    if plan.unfreeze:
        runner.run(plan.unfreeze, timeout_s=120)
    sec = _identify(runner, dev)
    if sec.frozen:
        return _fail(res, "ata_frozen", "sécurité ATA toujours gelée",
                     "ATA security still frozen")
    if not sec.supported or sec.enabled or sec.locked:
        return _fail(res, "ata_security_unusable", "sécurité ATA inutilisable",
                     "ATA security unusable")
    runner.run(firmware_ata.set_pass_argv(dev))
    if not _identify(runner, dev).enabled:
        return _fail(res, "ata_set_pass_failed", "le disque n'a pas accepté le mot de passe",
                     "the disk did not accept the password")
    runner.run(op.argv, timeout_s=op.timeout_s)
    # A completed SECURITY ERASE UNIT clears the user password (ATA8-ACS 7.41): still
    # "enabled" means the disk aborted the erase, whatever hdparm's exit code said.
    if not _identify(runner, dev).enabled:
        res.ok = True
        return res
    runner.run(firmware_ata.disable_argv(dev))
    if _identify(runner, dev).enabled:
        res.password_left = True
        return _fail(res, "ata_password_left",
                     f"ÉCHEC et mot de passe « {firmware_ata.ERASE_PASSWORD} » resté posé : "
                     f"hdparm --user-master u --security-disable "
                     f"{firmware_ata.ERASE_PASSWORD} {dev}",
                     f"FAILED and password '{firmware_ata.ERASE_PASSWORD}' is still set: "
                     f"hdparm --user-master u --security-disable "
                     f"{firmware_ata.ERASE_PASSWORD} {dev}")
    return _fail(res, "ata_erase_aborted",
                 "le disque a refusé SECURITY ERASE (mot de passe retiré)",
                 "the disk aborted SECURITY ERASE (password removed)")
