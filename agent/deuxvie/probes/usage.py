"""Is a block device in use? Mount points, holders, read-only flag, boot medium, identity.

Used by the erasure engine (refuse anything in use) and by the inventory (DiskInfo's
mounted/holders/is_boot_medium). Everything is read through the Host, so a test Host can
pretend that a loop device is the boot medium.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from deuxvie.host.base import Host
from deuxvie.probes.byid import by_id_of

# Where Debian live-boot mounts the medium it booted from (live-boot 20230131:
# /run/live/medium; older releases used /lib/live/mount/medium).
LIVE_MEDIUM_MOUNTS = ("/run/live/medium", "/lib/live/mount/medium")
MOUNTINFO = "/proc/self/mountinfo"


@dataclass(frozen=True)
class DeviceUsage:
    path: str  # resolved /dev/NAME of the whole disk
    name: str  # kernel name (display only: sda changes between boots)
    mounted: tuple[str, ...]  # mount points on the disk or its partitions
    holders: tuple[str, ...]  # dm/md/LVM claims on the disk or its partitions, "dm-0 (vg-root)"
    read_only: bool
    is_boot_medium: bool
    by_id: str | None  # /dev/disk/by-id/... stable identity
    serial: str | None = None
    wwn: str | None = None
    model: str | None = None
    partitions: tuple[str, ...] = ()
    boot_evidence: tuple[str, ...] = ()  # why it is the boot medium ("/ is mounted from sda2")

    @property
    def in_use(self) -> bool:
        return bool(self.mounted or self.holders or self.is_boot_medium)


def _sys_block_dir(host: Host, name: str) -> str:
    return f"/sys/class/block/{name}"


def parent_disk(host: Host, name: str) -> str:
    """Whole-disk kernel name of a partition (sda2 -> sda); a disk returns itself."""
    if host.exists(f"/sys/class/block/{name}/partition"):
        parent = os.path.basename(os.path.dirname(host.realpath(f"/sys/class/block/{name}")))
        if parent:
            return parent
    return name


def partitions_of(host: Host, disk: str) -> tuple[str, ...]:
    try:
        entries = host.listdir(f"/sys/block/{disk}")
    except FileNotFoundError:
        return ()
    return tuple(
        e for e in entries
        if e.startswith(disk) and host.exists(f"/sys/block/{disk}/{e}/partition")
    )


def _devnum(host: Host, name: str) -> str | None:
    return host.read_text_or(f"{_sys_block_dir(host, name)}/dev")


def _slaves_closure(host: Host, name: str, seen: set[str] | None = None) -> set[str]:
    """The kernel devices beneath a stacked device (dm-0 -> sda2 -> ...), itself included."""
    seen = set() if seen is None else seen
    if name in seen:
        return seen
    seen.add(name)
    try:
        slaves = host.listdir(f"{_sys_block_dir(host, name)}/slaves")
    except FileNotFoundError:
        slaves = []
    for s in slaves:
        _slaves_closure(host, s, seen)
    return seen


def _devnum_to_name(host: Host) -> dict[str, str]:
    table: dict[str, str] = {}
    try:
        names = host.listdir("/sys/class/block")
    except FileNotFoundError:
        return table
    for n in names:
        num = _devnum(host, n)
        if num:
            table[num] = n
    return table


def parse_mountinfo(text: str) -> list[tuple[str, str, str]]:
    """(major:minor, mount point, mount source) per line of /proc/self/mountinfo
    (proc(5): fields 3 and 5, source after the " - " separator). Octal escapes
    (\\040 for a space) are decoded."""
    rows: list[tuple[str, str, str]] = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if not sep or len(fields) < 5:
            continue
        rfields = right.split()
        source = rfields[1] if len(rfields) > 1 else ""
        rows.append((fields[2], _unescape(fields[4]), _unescape(source)))
    return rows


def _unescape(s: str) -> str:
    if "\\" not in s:
        return s
    return s.encode().decode("unicode_escape")


def _name_of_devpath(host: Host, path: str) -> str | None:
    if not path.startswith("/dev/"):
        return None
    real = host.realpath(path)
    name = os.path.basename(real)
    return name if host.exists(f"/sys/class/block/{name}") else None


def _cmdline_root(host: Host) -> str | None:
    """The root= device of the kernel command line, resolved to a /dev path when it is
    written as UUID=/PARTUUID=/LABEL= (udev's /dev/disk/by-* links)."""
    cmdline = host.read_text_or("/proc/cmdline", "") or ""
    for word in cmdline.split():
        if not word.startswith("root="):
            continue
        value = word[len("root="):]
        for prefix, folder in (("UUID=", "by-uuid"), ("PARTUUID=", "by-partuuid"),
                               ("LABEL=", "by-label")):
            if value.startswith(prefix):
                return f"/dev/disk/{folder}/{value[len(prefix):]}"
        return value if value.startswith("/dev/") else None
    return None


def boot_disks(host: Host) -> dict[str, str]:
    """Whole-disk kernel names that hold the running system, with the evidence."""
    found: dict[str, str] = {}
    by_num = _devnum_to_name(host)
    mountinfo = host.read_text_or(MOUNTINFO, "") or ""
    wanted = ("/", *LIVE_MEDIUM_MOUNTS)
    for num, point, source in parse_mountinfo(mountinfo):
        if point not in wanted:
            continue
        names: set[str] = set()
        if num in by_num:
            names.add(by_num[num])
        src = _name_of_devpath(host, source)
        if src:
            names.add(src)
        for n in names:
            for dev in _slaves_closure(host, n):
                found.setdefault(parent_disk(host, dev), f"{point} is mounted from {n}")
    root = _cmdline_root(host)
    if root:
        root_name = _name_of_devpath(host, root)
        if root_name:
            for dev in _slaves_closure(host, root_name):
                found.setdefault(parent_disk(host, dev), f"kernel command line root={root}")
    return found


def _holders(host: Host, name: str) -> list[str]:
    try:
        entries = host.listdir(f"{_sys_block_dir(host, name)}/holders")
    except FileNotFoundError:
        return []
    out = []
    for h in entries:
        dm_name = host.read_text_or(f"/sys/class/block/{h}/dm/name")
        out.append(f"{h} ({dm_name})" if dm_name else h)
    return out


def _udev_props(host: Host, devnum: str | None) -> dict[str, str]:
    if not devnum:
        return {}
    text = host.read_text_or(f"/run/udev/data/b{devnum}", "") or ""
    props: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("E:") and "=" in line:
            k, _, v = line[2:].partition("=")
            props[k] = v
    return props


def device_usage(host: Host, dev_path: str) -> DeviceUsage:
    """Usage of the whole disk behind dev_path (a partition path resolves to its disk).
    Raises FileNotFoundError when dev_path is not a block device known to sysfs."""
    real = host.realpath(dev_path)
    base = os.path.basename(real)
    if not host.exists(f"/sys/class/block/{base}"):
        raise FileNotFoundError(f"{dev_path}: not a block device")
    disk = parent_disk(host, base)
    parts = partitions_of(host, disk)
    members = (disk, *parts)
    nums = {n: _devnum(host, n) for n in members}
    by_num = {v: k for k, v in nums.items() if v}

    mounted: list[str] = []
    mountinfo = host.read_text_or(MOUNTINFO, "") or ""
    member_paths = {f"/dev/{m}" for m in members}
    for num, point, source in parse_mountinfo(mountinfo):
        src_name = _name_of_devpath(host, source) if source.startswith("/dev/") else None
        if num in by_num or (src_name and f"/dev/{src_name}" in member_paths):
            mounted.append(point)
    # Swap is "in use" too, and is not in mountinfo (/proc/swaps lists it).
    swaps = host.read_text_or("/proc/swaps", "") or ""
    for line in swaps.splitlines()[1:]:
        fields = line.split()
        if fields and _name_of_devpath(host, fields[0]) in members:
            mounted.append(f"[swap {fields[0]}]")

    holders: list[str] = []
    for m in members:
        holders.extend(_holders(host, m))

    boots = boot_disks(host)
    udev = _udev_props(host, nums.get(disk))
    serial = (
        host.read_text_or(f"/sys/block/{disk}/device/serial")
        # virtio-blk keeps it on the disk itself (drivers/block/virtio_blk.c serial_show)
        or host.read_text_or(f"/sys/block/{disk}/serial")
        or udev.get("ID_SERIAL_SHORT")
        or None
    )
    wwn = (
        host.read_text_or(f"/sys/block/{disk}/wwid")
        or host.read_text_or(f"/sys/block/{disk}/device/wwid")
        or udev.get("ID_WWN_WITH_EXTENSION")
        or udev.get("ID_WWN")
        or None
    )
    model = host.read_text_or(f"/sys/block/{disk}/device/model") or udev.get("ID_MODEL")
    return DeviceUsage(
        path=f"/dev/{disk}",
        name=disk,
        mounted=tuple(dict.fromkeys(mounted)),
        holders=tuple(dict.fromkeys(holders)),
        read_only=host.read_text_or(f"/sys/block/{disk}/ro", "0") == "1",
        is_boot_medium=disk in boots,
        by_id=by_id_of(host, disk),
        serial=serial.strip() if serial else None,
        wwn=wwn.strip() if wwn else None,
        model=model.strip() if model else None,
        partitions=parts,
        boot_evidence=(boots[disk],) if disk in boots else (),
    )
