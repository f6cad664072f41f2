"""Boot mode, Secure Boot and TPM, from sysfs."""

from __future__ import annotations

from deuxvie.host import Host
from deuxvie.model.common import Outcome
from deuxvie.model.inventory import FirmwareInfo

# EFI global variable GUID (UEFI spec 2.10, section 3.3 "Globally Defined Variables").
SECURE_BOOT_VAR = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-e0a9ddbee84d"


def probe_firmware(host: Host) -> Outcome[FirmwareInfo]:
    uefi = host.exists("/sys/firmware/efi")
    secure_boot: bool | None = None
    if uefi:
        try:
            raw = host.read_bytes(SECURE_BOOT_VAR)
            # efivarfs prefixes the 4-byte attribute word; the value is the 5th byte.
            secure_boot = raw[4] == 1 if len(raw) >= 5 else None
        except OSError:
            secure_boot = None
    tpm = host.exists("/sys/class/tpm/tpm0")
    version: str | None = None
    if tpm:
        major = host.read_text_or("/sys/class/tpm/tpm0/tpm_version_major")  # kernel >= 5.6
        if major == "2":
            version = "2.0"
        elif major == "1" or host.exists("/sys/class/tpm/tpm0/caps"):
            # TPM 1.2 chips expose "caps"; TPM 2.0 chips do not.
            version = "1.2"
    return Outcome.ok(
        FirmwareInfo(
            boot_mode="uefi" if uefi else "legacy",
            secure_boot=secure_boot,
            tpm_present=tpm,
            tpm_version=version,
        )
    )
