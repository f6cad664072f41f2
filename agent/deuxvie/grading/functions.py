"""Grade the functions of the PC (issue #12): a pure function of the check results, the
chassis type and the policy.

- a function the chassis requires that is UNTESTED keeps the machine "to complete": it is
  listed in `untested` and the verdict is at best the policy's `untested_verdict`;
- a required function ABSENT (a laptop without Wi-Fi card) or any function FAILED is a
  part to replace: the component fails and the suggestion names the part;
- a function not required and UNTESTED or ABSENT is reported, never held against the PC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from deuxvie.grading.policy import Policy
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.functions import FunctionResult, FunctionStatus
from deuxvie.model.grade import ComponentGrade


@dataclass(frozen=True)
class FunctionsGrade:
    components: tuple[ComponentGrade, ...]
    untested_required: tuple[str, ...]  # "function:keyboard"
    untested: tuple[str, ...]
    parts: tuple[str, ...]  # function ids whose part must be replaced
    chassis_class: str  # "laptop" | "desktop"


def grade_functions(functions: Sequence[FunctionResult], chassis_type: str | None,
                    policy: Policy) -> FunctionsGrade:
    fp = policy.functions
    klass = fp.chassis_class(chassis_type)
    required = fp.required(chassis_type)
    by_id = {f.id: f for f in functions}
    components: list[ComponentGrade] = []
    untested_required: list[str] = []
    untested: list[str] = []
    parts: list[str] = []
    for fid in dict.fromkeys([*required, *by_id]):
        f = by_id.get(fid)
        needed = fid in required
        reasons: list[Reason] = list(f.reasons) if f else []
        status = f.status if f else FunctionStatus.UNTESTED
        if f is None:
            reasons.append(reason(f"{fid}.not_run", f"Fonction « {fid} » non testée",
                                  f"Function '{fid}' not tested"))
        if status is FunctionStatus.PASSED:
            word = "pass"
        elif status is FunctionStatus.FAILED or (status is FunctionStatus.ABSENT and needed):
            word = "fail"
            parts.append(fid)
            if status is FunctionStatus.ABSENT:
                reasons.append(reason(
                    f"{fid}.required_absent",
                    f"« {fid} » manque alors qu'il est exigé pour un {_fr(klass)}",
                    f"'{fid}' is missing but required for a {klass}"))
        elif status is FunctionStatus.UNTESTED:
            word = "untested"
            untested.append(f"function:{fid}")
            if needed:
                untested_required.append(f"function:{fid}")
        else:
            word = "pass"  # ABSENT and not required: nothing to hold against the PC
        components.append(ComponentGrade(f"function:{fid}", word, tuple(reasons)))
    return FunctionsGrade(tuple(components), tuple(untested_required), tuple(untested),
                          tuple(parts), klass)


def _fr(klass: str) -> str:
    return "portable" if klass == "laptop" else "ordinateur de bureau"


def part_text(fid: str, policy: Policy) -> tuple[str, str]:
    fp = policy.functions
    return (f"remplacer : {fp.parts_fr.get(fid, fid)}", f"replace: {fp.parts_en.get(fid, fid)}")
