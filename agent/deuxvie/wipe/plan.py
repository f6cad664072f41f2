"""The wipe plan: a pure function of the disk (identity, usage, capabilities) and the
options/policy. It says what will happen, with the exact firmware argv, before anything
happens; the CLI prints it and the engine executes it.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field

from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.erasure import MediaIdentity, NistCategory
from deuxvie.probes.usage import DeviceUsage
from deuxvie.wipe import firmware_ata, firmware_nvme, firmware_scsi, hpa
from deuxvie.wipe.identity import Capabilities
from deuxvie.wipe.safety import wipe_refusals

MIB = 1024 * 1024


class Method(enum.StrEnum):
    AUTO = "auto"
    ZERO = "zero"
    RANDOM = "random"
    NVME_FORMAT = "nvme-format"
    NVME_SANITIZE = "nvme-sanitize"
    ATA_SANITIZE = "ata-sanitize"
    ATA_SECURE_ERASE = "ata-secure-erase"
    SCSI_SANITIZE = "scsi-sanitize"


FIRMWARE_METHODS = (Method.NVME_FORMAT, Method.NVME_SANITIZE, Method.ATA_SANITIZE,
                    Method.ATA_SECURE_ERASE, Method.SCSI_SANITIZE)


@dataclass(frozen=True)
class WipeOptions:
    method: Method = Method.AUTO
    passes: int = 1
    verify: str = "full"  # "full" | "sample:PCT" | "none"
    allow_purge: bool = True  # policy: may auto pick a firmware Purge
    restore_hpa: bool = True  # policy: may remove an HPA (hdparm -Np<native>)
    try_unfreeze: bool = False  # policy: may suspend/resume to unfreeze ATA security
    fallback_overwrite: bool = True  # a failed firmware method is followed by an overwrite
    restart_interrupted: bool = False  # wipe again a disk whose last wipe was interrupted
    block_bytes: int = 4 * MIB
    io_retries: int = 2
    throttle_s: float = 0.0  # test hook: sleep per block

    @property
    def sample_pct(self) -> float | None:
        if self.verify.startswith("sample:"):
            return float(self.verify.split(":", 1)[1])
        return None


def parse_verify(text: str) -> str:
    """The one validator of a verification option (`deuxvie wipe --verify`, the stick's
    wipe.verify): full, none or sample:PCT with 0 < PCT <= 100, normalised."""
    text = text.strip().lower()
    if text in ("full", "none"):
        return text
    if text.startswith("sample:"):
        try:
            pct = float(text.split(":", 1)[1])
        except ValueError:
            pct = -1.0
        if 0 < pct <= 100:
            return f"sample:{pct:g}"
    raise ValueError(f"expected full, none or sample:PCT (0 < PCT <= 100), got {text!r}")


@dataclass(frozen=True)
class FirmwareOp:
    kind: Method
    technique: str
    argv: tuple[str, ...]
    poll_argv: tuple[str, ...] | None = None
    crypto: bool = False  # the medium will read random, not zeros: verify by before/after
    timeout_s: float = 6 * 3600.0


@dataclass(frozen=True)
class Step:
    kind: str  # "hpa-restore" | "unfreeze" | "sample-before" | "firmware" | "overwrite" | "verify"
    text: Reason
    argv: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class WipeTarget:
    device: str  # as the operator gave it
    media: MediaIdentity
    usage: DeviceUsage
    caps: Capabilities = field(default_factory=Capabilities)


@dataclass(frozen=True)
class WipePlan:
    target: WipeTarget
    options: WipeOptions
    method: Method  # resolved (never AUTO)
    category: NistCategory | None
    technique: str
    pattern: str | None  # overwrite pattern: "zero" | "aes-256-ctr"
    passes: int
    verification: str
    firmware: FirmwareOp | None
    hpa_restore: tuple[str, ...] | None
    unfreeze: tuple[str, ...] | None
    steps: tuple[Step, ...]
    refusals: tuple[Reason, ...] = ()
    notes: tuple[Reason, ...] = ()

    @property
    def refused(self) -> bool:
        return bool(self.refusals)


def usage_refusals(usage: DeviceUsage, media: MediaIdentity) -> list[Reason]:
    """The wipe-safety rule (wipe/safety.py) on what was probed just now."""
    return wipe_refusals(
        path=usage.path,
        is_boot_medium=usage.is_boot_medium,
        mounted=usage.mounted,
        holders=usage.holders,
        read_only=usage.read_only,
        size_bytes=media.apparent_size_bytes,
        boot_evidence=usage.boot_evidence,
    )


def _nvme_op(method: Method, caps: Capabilities, allow_crypto: bool = True
             ) -> tuple[FirmwareOp | None, list[Reason]]:
    nv = caps.nvme
    notes: list[Reason] = []
    if nv is None:
        return None, notes
    if method in (Method.NVME_SANITIZE, Method.AUTO):
        sanact = None
        if nv.sanicap & firmware_nvme.SANICAP_CRYPTO and allow_crypto:
            sanact, tech, crypto = firmware_nvme.SANACT_CRYPTO, "nvme-sanitize-crypto", True
        elif nv.sanicap & firmware_nvme.SANICAP_BLOCK:
            sanact, tech, crypto = firmware_nvme.SANACT_BLOCK, "nvme-sanitize-block", False
        if sanact is not None:
            return FirmwareOp(Method.NVME_SANITIZE, tech,
                              firmware_nvme.sanitize_argv(nv, sanact),
                              firmware_nvme.sanitize_log_argv(nv), crypto=crypto), notes
        if method is Method.NVME_SANITIZE:
            return None, notes
    # QEMU 7.2 accepts --ses=2 and zeroes although FNA bit 2 is clear (QEMU-RIG.md):
    # crypto erase is only chosen when the controller advertises it.
    if nv.fna & firmware_nvme.FNA_CRYPTO_ERASE and allow_crypto:
        ses, tech, crypto = 2, "nvme-format-ses2", True
    else:
        ses, tech, crypto = 1, "nvme-format-ses1", False
        notes.append(reason("nvme_no_crypto",
                            "FNA : effacement cryptographique non annoncé, Format SES=1",
                            "FNA: no cryptographic erase advertised, Format SES=1"))
    if nv.fna & (firmware_nvme.FNA_FORMAT_ALL_NS | firmware_nvme.FNA_ERASE_ALL_NS):
        notes.append(reason("nvme_all_ns",
                            "le Format s'applique à tous les espaces de noms du contrôleur",
                            "the Format applies to every namespace of the controller"))
    return FirmwareOp(Method.NVME_FORMAT, tech, firmware_nvme.format_argv(nv, ses),
                      None, crypto=crypto), notes


def _ata_op(method: Method, media: MediaIdentity, caps: Capabilities
            ) -> tuple[FirmwareOp | None, list[Reason]]:
    ata = caps.ata
    notes: list[Reason] = []
    if ata is None:
        return None, notes
    dev = media.path
    if method in (Method.ATA_SANITIZE, Method.AUTO) and ata.sanitize:
        action = None
        if ata.crypto_scramble:
            action, crypto = "crypto-scramble", True
        elif ata.block_erase:
            action, crypto = "block-erase", False
        elif ata.overwrite and method is Method.ATA_SANITIZE:
            action, crypto = "overwrite", False
        if action:
            return FirmwareOp(Method.ATA_SANITIZE, f"ata-sanitize-{action}",
                              firmware_ata.sanitize_argv(dev, action),
                              firmware_ata.sanitize_status_argv(dev), crypto=crypto), notes
    if method is Method.ATA_SECURE_ERASE or (method is Method.AUTO and media.kind == "sata_ssd"):
        if not ata.supported or ata.locked or ata.enabled:
            if method is Method.ATA_SECURE_ERASE:
                notes.append(reason("ata_security_unusable",
                                    "sécurité ATA absente, verrouillée ou mot de passe déjà posé",
                                    "ATA security unsupported, locked or a password is set"))
            return None, notes
        if ata.frozen:
            return None, notes  # the caller decides: unfreeze step or fallback
        tech = "ata-secure-erase-enhanced" if ata.enhanced_erase else "ata-secure-erase"
        minutes = (ata.enhanced_erase_minutes if ata.enhanced_erase else ata.erase_minutes) or 600
        return FirmwareOp(Method.ATA_SECURE_ERASE, tech,
                          firmware_ata.erase_argv(dev, ata.enhanced_erase),
                          None, crypto=False, timeout_s=minutes * 60 * 2 + 600), notes
    return None, notes


def _with_hidden_areas(media: MediaIdentity, caps: Capabilities) -> MediaIdentity:
    """Fill the identity's HPA/DCO fields from what hdparm reported."""
    if caps.hpa is None:
        return media
    sector = media.logical_sector_bytes
    dco = None
    if caps.dco_real_max_sectors is not None:
        dco = "present" if caps.dco_real_max_sectors > caps.hpa.native_sectors else "none"
    return dataclasses.replace(
        media, native_size_bytes=caps.hpa.native_sectors * sector,
        hpa="present" if caps.hpa.hidden_sectors else "none", dco=dco)


def plan_wipe(target: WipeTarget, options: WipeOptions) -> WipePlan:
    target = dataclasses.replace(target, media=_with_hidden_areas(target.media, target.caps))
    media, usage, caps = target.media, target.usage, target.caps
    refusals = usage_refusals(usage, media)
    notes: list[Reason] = []
    method = options.method
    op: FirmwareOp | None = None
    unfreeze: tuple[str, ...] | None = None

    if method in (Method.NVME_FORMAT, Method.NVME_SANITIZE) or (
        method is Method.AUTO and options.allow_purge and media.kind == "nvme"
    ):
        op, n = _nvme_op(method, caps)
        notes += n
    elif method in (Method.ATA_SANITIZE, Method.ATA_SECURE_ERASE) or (
        method is Method.AUTO and options.allow_purge and media.bus == "sata"
    ):
        op, n = _ata_op(method, media, caps)
        notes += n
        ata = caps.ata
        wants_secure_erase = method is Method.ATA_SECURE_ERASE or (
            method is Method.AUTO and media.kind == "sata_ssd")
        if op is None and ata is not None and ata.frozen and wants_secure_erase:
            if options.try_unfreeze:
                unfreeze = firmware_ata.unfreeze_argv()
                tech = "ata-secure-erase-enhanced" if ata.enhanced_erase else "ata-secure-erase"
                op = FirmwareOp(Method.ATA_SECURE_ERASE, tech,
                                firmware_ata.erase_argv(media.path, ata.enhanced_erase))
            else:
                notes.append(reason(
                    "ata_frozen",
                    "sécurité ATA gelée (« frozen ») par le BIOS : écrasement à la place",
                    "ATA security is frozen by the BIOS: overwriting instead"))
    elif method is Method.SCSI_SANITIZE:
        op = FirmwareOp(Method.SCSI_SANITIZE, "scsi-sanitize-block",
                        firmware_scsi.sanitize_argv(media.path, "block-erase"))

    if method in FIRMWARE_METHODS and op is None:
        refusals.append(reason(
            "method_unsupported",
            f"la méthode {method} n'est pas prise en charge par ce disque",
            f"method {method} is not supported by this disk"))
    if media.kind in ("usb", "mmc") and method is Method.AUTO:
        notes.append(reason("flash_clear_only",
                            "clé USB / carte SD : Clear seulement (pas de Purge fiable)",
                            "USB stick / SD card: Clear only (no reliable Purge)"))
    for note in caps.notes:
        notes.append(reason("probe_note", note, note))

    # HPA/DCO (ATA only): restore when the policy allows, else no certificate.
    hpa_restore: tuple[str, ...] | None = None
    if caps.hpa is not None and caps.hpa.hidden_sectors > 0:
        if options.restore_hpa:
            hpa_restore = hpa.restore_argv(media.path, caps.hpa.native_sectors)
        else:
            notes.append(reason("hpa_kept",
                                "zone protégée (HPA) conservée (politique) : pas de certificat",
                                "HPA kept by policy: no certificate"))
    if (caps.dco_real_max_sectors is not None and caps.hpa is not None
            and caps.dco_real_max_sectors > caps.hpa.native_sectors):
        notes.append(reason("dco_present",
                            "DCO réduit la capacité : secteurs cachés, pas de certificat",
                            "DCO shrinks the disk: hidden sectors not erased, no certificate"))

    if op is not None:
        pattern = "zero" if not op.crypto else None
        resolved, technique = op.kind, op.technique
        category: NistCategory | None = NistCategory.PURGE
        if op.kind is Method.ATA_SECURE_ERASE and not op.technique.endswith("enhanced") \
                and media.kind != "hdd":
            category = NistCategory.CLEAR
        passes = 1
    else:
        resolved = Method.RANDOM if method is Method.RANDOM else Method.ZERO
        pattern = "aes-256-ctr" if resolved is Method.RANDOM else "zero"
        technique = f"overwrite-{'aes-ctr' if resolved is Method.RANDOM else 'zero'}"
        category = NistCategory.CLEAR
        passes = max(1, options.passes)

    steps = _steps(media, options, op, pattern, passes, hpa_restore, unfreeze)
    if refusals:
        category = None
    return WipePlan(target, options, resolved, category, technique, pattern, passes,
                    options.verify, op, hpa_restore, unfreeze, tuple(steps), tuple(refusals),
                    tuple(notes))


def _steps(media: MediaIdentity, options: WipeOptions, op: FirmwareOp | None,
           pattern: str | None, passes: int, hpa_restore: tuple[str, ...] | None,
           unfreeze: tuple[str, ...] | None) -> list[Step]:
    steps: list[Step] = []
    if hpa_restore:
        steps.append(Step("hpa-restore", reason("hpa_restore",
                                                "restaurer la taille native (retirer la HPA)",
                                                "restore the native size (remove the HPA)"),
                          (hpa_restore,)))
    if unfreeze:
        steps.append(Step("unfreeze", reason("unfreeze", "mise en veille/réveil pour dégeler",
                                             "suspend/resume to unfreeze"), (unfreeze,)))
    verify = options.verify
    if op is not None:
        if op.crypto:
            steps.append(Step("sample-before", reason(
                "sample_before", "lire un échantillon avant effacement",
                "read a sample before erasing")))
        cmds: list[tuple[str, ...]] = []
        if op.kind is Method.ATA_SECURE_ERASE:
            cmds.append(firmware_ata.set_pass_argv(media.path))
        cmds.append(op.argv)
        if op.poll_argv:
            cmds.append(op.poll_argv)
        steps.append(Step("firmware", reason("firmware", f"commande du disque : {op.technique}",
                                             f"drive command: {op.technique}"), tuple(cmds)))
        what_fr = "aucune donnée d'origine (avant/après)" if op.crypto else "zéros"
        what_en = "no original data (before/after)" if op.crypto else "zeros"
        steps.append(Step("verify", reason("verify", f"vérifier ({verify}) : {what_fr}",
                                           f"verify ({verify}): {what_en}")))
        return steps
    for i in range(1, passes + 1):
        steps.append(Step("overwrite", reason(
            "overwrite", f"passe {i}/{passes} : écrire {pattern} sur tout le disque",
            f"pass {i}/{passes}: write {pattern} over the whole disk")))
    steps.append(Step("verify", reason("verify", f"relire et comparer ({verify})",
                                       f"read back and compare ({verify})")))
    return steps
