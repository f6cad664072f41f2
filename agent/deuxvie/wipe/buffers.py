"""Aligned I/O buffers and a GIL-free memcmp.

`mm[:] == other` copies 4 MiB into a bytes object first, and memoryview equality walks
element by element (6 s per 2 GiB, QEMU-RIG.md). libc memcmp through ctypes compares in
place at memory speed and, as every ctypes foreign call, releases the GIL so the reader
thread keeps the disk busy meanwhile.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap

from deuxvie.host.block import aligned_buffer
from deuxvie.wipe.patterns import SLACK_BYTES

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
_memcmp = _libc.memcmp
_memcmp.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
_memcmp.restype = ctypes.c_int


class Buffer:
    """One page-aligned block buffer (plus the slack AES update_into needs)."""

    def __init__(self, size_bytes: int) -> None:
        self.size_bytes = size_bytes
        self.mm: mmap.mmap = aligned_buffer(size_bytes + SLACK_BYTES)
        self._anchor = ctypes.c_char.from_buffer(self.mm)
        self.address = ctypes.addressof(self._anchor)

    def view(self, length: int, start: int = 0) -> memoryview:
        return memoryview(self.mm)[start:start + length]


def equal(a: Buffer, b: Buffer, length: int, a_start: int = 0, b_start: int = 0) -> bool:
    return _memcmp(a.address + a_start, b.address + b_start, length) == 0


def differing_runs(a: Buffer, b: Buffer, length: int, unit: int) -> list[tuple[int, int]]:
    """(start, length) runs of `unit`-sized pieces where a and b differ."""
    runs: list[tuple[int, int]] = []
    pos = 0
    while pos < length:
        n = min(unit, length - pos)
        if _memcmp(a.address + pos, b.address + pos, n) != 0:
            if runs and runs[-1][0] + runs[-1][1] == pos:
                runs[-1] = (runs[-1][0], runs[-1][1] + n)
            else:
                runs.append((pos, n))
        pos += n
    return runs
