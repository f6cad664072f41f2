"""SCSI SANITIZE (SBC-3) through sg_sanitize (sg3_utils 1.46).

Without --early the utility sends SANITIZE with IMMED clear and returns when the device
has finished, so one blocking call with a long timeout is enough; --quick skips the
15 s "time to reconsider" pause (the plan was confirmed already).
"""

from __future__ import annotations

ACTIONS = {"block-erase": "--block", "crypto-erase": "--crypto", "overwrite": "--overwrite"}


def sanitize_argv(dev: str, action: str) -> tuple[str, ...]:
    flag = ACTIONS[action]
    extra = ("--zero",) if action == "overwrite" else ()
    return ("sg_sanitize", "--quick", "--wait", flag, *extra, dev)
