"""A JSON-lines log of the run on the stick (logs/run-<time>.jsonl): what a workshop
sends when a machine behaved oddly. One line per step change, wipe progress every 10 %."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from deuxvie.model.common import jsonable
from deuxvie.pipeline.steps import ProgressEvent, StepResult

if TYPE_CHECKING:  # annotations only: kept off the path to the first frame (issue 16)
    from deuxvie.pipeline.orchestrator import RunOutcome


class RunLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._last_pct: dict[tuple[str, str], float] = {}

    def _write(self, record: dict[str, Any]) -> None:
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._fh.flush()

    def step_changed(self, result: StepResult) -> None:
        self._write({"event": "step", **jsonable(result)})

    def progress(self, event: ProgressEvent) -> None:
        if event.total_bytes:
            pct = 100.0 * (event.done_bytes or 0) / event.total_bytes
        else:
            pct = 100.0 * (event.fraction or 0.0)
        key = (event.step.value, f"{event.target}/{event.message or ''}")
        if not event.finished and pct - self._last_pct.get(key, -100.0) < 10.0:
            return
        self._last_pct[key] = pct
        self._write({"event": "progress", **jsonable(event)})

    def finished(self, outcome: RunOutcome) -> None:
        d = outcome.data
        self._write(
            {
                "event": "end",
                "interrupted": outcome.interrupted,
                "duration_s": round(outcome.duration_s, 1),
                "verdict": d.grade.verdict.value if d.grade else None,
                "erasure": [
                    {"serial": r.media.serial, "path": r.media.path, "status": r.status.value}
                    for r in d.erasure
                ],
                "report_id": d.report_id,
                "report_url": d.report_url,
                "certificate": str(d.certificate_path) if d.certificate_path else None,
                "label": str(d.label_path) if d.label_path else None,
            }
        )

    def close(self) -> None:
        self._fh.close()


class Fanout:
    """Several observers as one (the screen and the log)."""

    def __init__(self, *observers: Any) -> None:
        self.observers = observers

    def step_changed(self, result: StepResult) -> None:
        for o in self.observers:
            o.step_changed(result)

    def progress(self, event: ProgressEvent) -> None:
        for o in self.observers:
            o.progress(event)
