"""What the final screen says, computed once from the run (both renderers draw it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from deuxvie.functions.labels import function_rows
from deuxvie.i18n import ERASURE_WORDS, STATE_WORDS, STEP_NAMES, VERDICT_MEANING, pick, screen_word
from deuxvie.model.common import jsonable
from deuxvie.model.grade import Verdict
from deuxvie.pipeline.steps import StepName, StepState

if TYPE_CHECKING:  # annotations only: kept off the path to the first frame (issue 16)
    from deuxvie.pipeline.orchestrator import RunOutcome


@dataclass(frozen=True)
class FinalSummary:
    verdict: Verdict | None
    big_word: str
    subtitle: str
    reasons: tuple[str, ...]
    suggestion: str | None
    untested: tuple[str, ...]
    disks: tuple[tuple[str, str, bool], ...]  # (identity, status word, certifiable)
    # (name, status word, detail, status) per function of the PC (issue #12).
    functions: tuple[tuple[str, str, str, str], ...]
    failed_steps: tuple[str, ...]
    label: str
    upload: str
    report_url: str | None
    certificate: str | None
    interrupted: bool
    duration_s: float


def summarise(outcome: RunOutcome, lang: str = "fr") -> FinalSummary:
    from deuxvie.pipeline.selection import human_size  # at the end of a run, not before it

    data = outcome.data
    grade = data.grade
    if grade is None:
        verdict, big_word, subtitle = None, "?", screen_word("no_verdict", lang)
        reasons: tuple[str, ...] = ()
        suggestion = None
        untested: tuple[str, ...] = ()
    else:
        verdict = grade.verdict
        # the big word is the verdict alone (PASS / FAIL); its meaning goes underneath
        big_word = "FAIL" if grade.verdict is Verdict.FAIL else "PASS"
        subtitle = pick(VERDICT_MEANING[grade.verdict], lang)
        reasons = tuple(r.text(lang) for r in grade.reasons)
        suggestion = grade.suggestion.text(lang)
        untested = grade.untested

    if grade is None:
        # Without a grade, the run's own view of what could not be tested is all there is.
        untested = tuple(
            pick(STEP_NAMES[r.name], lang) for r in outcome.results if r.state == StepState.UNTESTED
        )

    disks = tuple(
        (
            f"{rec.media.model or '?'} ({rec.media.serial or '?'}) "
            f"{human_size(rec.media.apparent_size_bytes, lang)}",
            pick(ERASURE_WORDS[rec.status], lang)
            + (
                f" — {rec.reasons[0].text(lang)}"
                if rec.reasons and not rec.status.certifiable
                else ""
            ),
            rec.status.certifiable,
        )
        for rec in data.erasure
    )
    functions = tuple(
        (*row, f.status.value)
        for f, row in zip(data.functions,
                          function_rows([jsonable(f) for f in data.functions], lang), strict=True)
    )
    failed_steps = tuple(
        f"{pick(STEP_NAMES[r.name], lang)} : "
        + (r.reasons[0].text(lang) if r.reasons else pick(STATE_WORDS[r.state], lang))
        for r in outcome.results
        if r.state == StepState.FAILED
    )

    label_res = outcome.result(StepName.LABEL)
    if data.label_status is not None:
        label = data.label_status.text(lang)
    elif label_res.state == StepState.DONE and data.label_path is not None:
        label = str(data.label_path)
    else:
        label = pick(STATE_WORDS[label_res.state], lang) + (
            f" ({label_res.reasons[0].text(lang)})" if label_res.reasons else ""
        )

    up_res = outcome.result(StepName.UPLOAD)
    if data.upload_status is not None:
        upload = data.upload_status.text(lang)
    elif up_res.reasons:
        upload = up_res.reasons[0].text(lang)
    elif data.spool_path is not None:
        upload = screen_word("not_sent", lang)
    else:
        upload = pick(STATE_WORDS[up_res.state], lang)

    return FinalSummary(
        verdict=verdict,
        big_word=big_word,
        subtitle=subtitle,
        reasons=reasons,
        suggestion=suggestion,
        untested=untested,
        disks=disks,
        functions=functions,
        failed_steps=failed_steps,
        label=label,
        upload=upload,
        report_url=data.report_url,
        certificate=str(data.certificate_path) if data.certificate_path else None,
        interrupted=outcome.interrupted,
        duration_s=outcome.duration_s,
    )
