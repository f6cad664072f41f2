"""Writes the documentation-faithful tool outputs used by tests/wipe/test_firmware_replay.py.

No NVMe Sanitize, ATA Security or ATA Sanitize hardware is reachable from CI (QEMU 7.2
emulates none of them, see QEMU-RIG.md), so these outputs are assembled from:
- hdparm 9.65 format strings (`strings /usr/sbin/hdparm` on Debian 12: "Security: ",
  "\\tMaster password revision code = %u", "SANITIZE feature set", "CRYPTO_SCRAMBLE_EXT
  command", " max sectors   = %llu/%llu", ", HPA is enabled", "\\tReal max sectors: %llu",
  "Sanitize status:", "    State:    %s", "    Progress: 0x%x (%d%%)") and the published
  transcripts at tinyapps.org/docs/wipe_drives_hdparm.html and ata_sanitize_hdparm.html;
- nvme-cli 2.3 JSON keys (`strings /usr/sbin/nvme`: sprog, sstat, global_erased,
  no_cmplted_passes, cdw10_info, time_*; id-ctrl/id-ns keys fna, sanicap, flbas, lbafs)
  and the sanitize status texts it prints ("Most Recent Sanitize Command Completed
  Successfully.", "Sanitize in Progress.").
Run it from this directory to regenerate the files.
"""

import json

with open("hdparm-I-template.txt") as _fh:
    HEAD = _fh.read()
SAN = ("\t   *\tSANITIZE feature set\n\t   *\tCRYPTO_SCRAMBLE_EXT command\n"
       "\t   *\tBLOCK_ERASE_EXT command\n")


def ident(sanitize=True, enabled=False, frozen=False):
    return (HEAD.replace("@SANITIZE@", SAN if sanitize else "")
            .replace("@ENABLED@", "\t\tenabled" if enabled else "\tnot\tenabled")
            .replace("@FROZEN@", "\t\tfrozen" if frozen else "\tnot\tfrozen")
            .replace("@LEVEL@", "\tSecurity level high\n" if enabled else ""))


def w(name, text):
    with open(name, "w") as fh:
        fh.write(text)


w("hdparm-I-ssd-sanitize.txt", ident())
w("hdparm-I-ssd-nosanitize.txt", ident(sanitize=False))
w("hdparm-I-ssd-frozen.txt", ident(sanitize=False, frozen=True))
w("hdparm-I-ssd-enabled.txt", ident(sanitize=False, enabled=True))
w("hdparm-N-nohpa.txt", "\n/dev/sda:\n max sectors   = 2048/2048, HPA is disabled\n")
w("hdparm-N-hpa.txt", "\n/dev/sda:\n max sectors   = 1024/2048, HPA is enabled\n")
w("hdparm-N-set.txt", "\n/dev/sda:\n setting max visible sectors to 2048 (permanent)\n"
  " max sectors   = 2048/2048, HPA is disabled\n")
DCO = """
/dev/sda:
DCO Revision: 0x0001
The following features can be selectively disabled via DCO:
\tTransfer modes:
\t\t mdma0 mdma1 mdma2
\t\t udma0 udma1 udma2 udma3 udma4 udma5 udma6
\tReal max sectors: @REAL@
\tATA command/feature sets:
\t\t SMART self_test error_log security HPA 48_bit
\t\t (?): selective_self_test
\tSATA command/feature sets:
\t\t (?): NCQ SSP
"""
w("hdparm-dco-2048.txt", DCO.replace("@REAL@", "2048"))
w("hdparm-dco-4096.txt", DCO.replace("@REAL@", "4096"))
START = ("\n/dev/sda:\nIssuing @CMD@ command\nOperation started in background\n"
         "You may use `--sanitize-status` to check progress\n")
w("hdparm-sanitize-crypto-start.txt", START.replace("@CMD@", "SANITIZE_CRYPTO_SCRAMBLE"))
w("hdparm-sanitize-block-start.txt", START.replace("@CMD@", "SANITIZE_BLOCK_ERASE"))
STATUS = "\n/dev/sda:\nIssuing SANITIZE_STATUS command\nSanitize status:\n    State:    "
w("hdparm-sanitize-status-sd2-25.txt",
  STATUS + "SD2 Sanitize operation In Process\n    Progress: 0x4000 (25%)\n")
w("hdparm-sanitize-status-sd2-75.txt",
  STATUS + "SD2 Sanitize operation In Process\n    Progress: 0xc000 (75%)\n")
w("hdparm-sanitize-status-sd0-ok.txt",
  STATUS + "SD0 Sanitize Idle\n    Last Sanitize Operation Completed Without Error\n")
w("hdparm-sanitize-status-sd3.txt",
  STATUS + "SD3 Sanitize Operation Failed\n    Last Sanitize Command completed unsuccessfully\n")
PW = ('security_password: "deuxvie"\n\n/dev/sda:\n'
      ' Issuing @CMD@ command, password="deuxvie", user=user')
w("hdparm-set-pass.txt", PW.replace("@CMD@", "SECURITY_SET_PASS") + ", mode=high\n")
w("hdparm-erase.txt", PW.replace("@CMD@", "SECURITY_ERASE") + "\n")
w("hdparm-disable.txt", PW.replace("@CMD@", "SECURITY_DISABLE") + "\n")

IDCTRL = {"vid": 5197, "ssvid": 5197, "sn": "S4EWNX0R123456",
          "mn": "Samsung SSD 970 EVO Plus 500GB", "fr": "2B2QEXM7", "rab": 2, "ieee": 9528,
          "cmic": 0, "mdts": 9, "cntlid": 4, "ver": 66304, "oacs": 23, "acl": 7, "aerl": 3,
          "frmw": 22, "lpa": 3, "elpe": 63, "npss": 4, "wctemp": 358, "cctemp": 358,
          "tnvmcap": 500107862016, "unvmcap": 0, "sanicap": 0, "sqes": 102, "cqes": 68,
          "nn": 1, "oncs": 95, "fuses": 0, "fna": 0, "vwc": 7, "awun": 1023, "subnqn": "",
          "psds": []}
for name, fna, sanicap in (("nvme-id-ctrl-fna0.json", 0, 0), ("nvme-id-ctrl-fna4.json", 4, 0),
                           ("nvme-id-ctrl-sanitize-block.json", 0, 2)):
    w(name, json.dumps({**IDCTRL, "fna": fna, "sanicap": sanicap}, indent=2) + "\n")
w("nvme-id-ns.json", json.dumps(
    {"nsze": 2048, "ncap": 2048, "nuse": 2048, "nsfeat": 0, "nlbaf": 0, "flbas": 0, "mc": 0,
     "dpc": 0, "dps": 0, "nmic": 0, "dlfeat": 9, "nvmcap": 1048576,
     "nguid": "00000000000000000000000000000000", "eui64": "0000000000000000",
     "lbafs": [{"ms": 0, "ds": 9, "rp": 0}]}, indent=2) + "\n")


def slog(sprog, code, text):
    return json.dumps({"nvme0": {
        "sprog": sprog, "sstat": {"global_erased": 0, "no_cmplted_passes": 0,
                                  "status": f"({code}) {text}"},
        "cdw10_info": 2, "time_over_write": 4294967295, "time_block_erase": 120,
        "time_crypto_erase": 4294967295, "time_over_write_no_dealloc": 4294967295,
        "time_block_erase_no_dealloc": 4294967295,
        "time_crypto_erase_no_dealloc": 4294967295}}, indent=2) + "\n"


w("nvme-sanitize-log-progress.json", slog(32768, 2, "Sanitize in Progress."))
w("nvme-sanitize-log-done.json",
  slog(65535, 1, "Most Recent Sanitize Command Completed Successfully."))
w("nvme-sanitize-log-failed.json", slog(65535, 3, "Most Recent Sanitize Command Failed."))
w("nvme-format-ok.txt", "Success formatting namespace:1\n")
