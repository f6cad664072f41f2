"""Asset ids (DV-2026-000123): a per-year counter on the stick, so ids never repeat within
a workshop's stick even offline. The lock makes two runs from one stick (a PXE setup
sharing the data folder) take different numbers."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path


def next_asset_id(data_dir: Path, prefix: str, today: dt.date | None = None) -> str:
    year = (today or dt.datetime.now(dt.UTC).date()).year
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "asset-counter.json"
    with open(data_dir / ".asset-counter.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            counters = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            counters = {}
        except ValueError as exc:
            # never reuse numbers silently: a broken counter file needs a human
            raise ValueError(f"{path}: unreadable asset counter: {exc}") from None
        n = int(counters.get(str(year), 0)) + 1
        counters[str(year)] = n
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(counters, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    return f"{prefix}-{year}-{n:06d}"
