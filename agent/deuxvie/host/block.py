"""Raw block-device I/O for the erasure engine (part of the hardware boundary).

O_DIRECT needs buffers aligned to the logical sector size; anonymous mmap gives
page-aligned (4 KiB) memory, which covers 512e and 4Kn devices alike
(QEMU-RIG.md: O_DIRECT pwrite of an mmap buffer runs as fast as dd oflag=direct).
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import struct
from typing import Protocol

# linux/fs.h ioctl numbers (x86_64 and every other Linux ABI that deuxvie boots on).
BLKROGET = 0x125E
BLKFLSBUF = 0x1261
BLKSSZGET = 0x1268
BLKPBSZGET = 0x127B
BLKGETSIZE64 = 0x80081272


class BlockIO(Protocol):
    """What the engine needs from an opened disk (real device or a test wrapper)."""

    path: str
    size_bytes: int
    logical_sector_bytes: int
    physical_sector_bytes: int
    direct: bool

    def pwrite(self, buf: memoryview, offset: int) -> int: ...

    def preadinto(self, buf: memoryview, offset: int) -> int: ...

    def fsync(self) -> None: ...

    def close(self) -> None: ...


def aligned_buffer(size_bytes: int) -> mmap.mmap:
    """Page-aligned, zero-filled anonymous memory (usable as an O_DIRECT buffer)."""
    return mmap.mmap(-1, size_bytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)


def _ioctl_u64(fd: int, request: int) -> int:
    return int(struct.unpack("Q", fcntl.ioctl(fd, request, b"\0" * 8))[0])


def _ioctl_int(fd: int, request: int) -> int:
    return int(struct.unpack("i", fcntl.ioctl(fd, request, b"\0" * 4))[0])


class BlockDevice:
    """An opened block device. Offsets and lengths must be sector multiples when
    `direct` is true (the kernel answers EINVAL otherwise)."""

    def __init__(self, path: str, fd: int, direct: bool, writable: bool) -> None:
        self.path = path
        self._fd = fd
        self.direct = direct
        self.writable = writable
        self.size_bytes = _ioctl_u64(fd, BLKGETSIZE64)
        self.logical_sector_bytes = _ioctl_int(fd, BLKSSZGET)
        self.physical_sector_bytes = _ioctl_int(fd, BLKPBSZGET)
        self.read_only = _ioctl_int(fd, BLKROGET) != 0

    @property
    def fd(self) -> int:
        return self._fd

    def pwrite(self, buf: memoryview, offset: int) -> int:
        return os.pwrite(self._fd, buf, offset)

    def preadinto(self, buf: memoryview, offset: int) -> int:
        return os.preadv(self._fd, [buf], offset)

    def fsync(self) -> None:
        # O_DIRECT bypasses the page cache, not the drive's volatile write cache:
        # fsync on a block device sends the FLUSH CACHE the certificate relies on.
        os.fsync(self._fd)

    def flush_buffers(self) -> None:
        """Drop the kernel's cached pages of this device (BLKFLSBUF), so a later
        cached read really reaches the medium."""
        fcntl.ioctl(self._fd, BLKFLSBUF, 0)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> BlockDevice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_block(path: str, write: bool, *, direct: bool = True) -> BlockDevice:
    """Open a block device for the engine.

    Writers open with O_EXCL: on a block device the kernel then refuses (EBUSY) when
    the device is mounted or claimed by dm/md/LVM — a second lock behind the usage
    probe that cannot be fooled by a stale /proc view. O_DIRECT falls back to cached
    I/O (followed by fsync) only where the kernel refuses it (EINVAL)."""
    flags = os.O_CLOEXEC | (os.O_RDWR | os.O_EXCL if write else os.O_RDONLY)
    if direct:
        try:
            fd = os.open(path, flags | os.O_DIRECT)
            return BlockDevice(path, fd, True, write)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
    fd = os.open(path, flags)
    return BlockDevice(path, fd, False, write)
