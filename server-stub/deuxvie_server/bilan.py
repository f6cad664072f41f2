"""The "bilan des dons": per donor (or workshop, network, territory) and year, what came in
and what became of it, with the environmental benefit from a factor table shipped as data
(impact_factors.json, ADEME 2022, source cited in it; DEUXVIE_IMPACT_FACTORS points at an
edited copy).

An item counts in the year its lot was received, in its state now: the balance a workshop
publishes for 2024 is "of what we received in 2024, where is it". `refurbished` counts
every item that was refurbished, including those since packed and distributed."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from deuxvie_server import intake
from deuxvie_server.models import Donor, Item, Lot

FACTORS_ENV = "DEUXVIE_IMPACT_FACTORS"


def load_factors(path: str | None = None) -> dict[str, Any]:
    path = path or os.environ.get(FACTORS_ENV)
    if path:
        with open(path, encoding="utf-8") as f:
            data: dict[str, Any] = json.load(f)
    else:
        text = resources.files("deuxvie_server").joinpath("impact_factors.json").read_text(
            "utf-8")
        data = json.loads(text)
    if not isinstance(data.get("per_year"), dict) or "source" not in data:
        raise ValueError(f"{path or 'impact_factors.json'}: needs `source` and `per_year`")
    return data


@dataclass(frozen=True)
class Scope:
    year: int | None  # None: every year (with lot_id: that lot)
    donor_id: str | None = None
    workshop_id: str | None = None
    territory: str | None = None  # the donor's commune / EPCI
    lot_id: str | None = None


def _items(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """(category, state) of every item in scope."""
    stmt = select(Item.category, Item.state).join(Lot, Item.lot_id == Lot.id)
    if scope.year is not None:
        stmt = stmt.where(Lot.received_on >= dt.date(scope.year, 1, 1),
                          Lot.received_on <= dt.date(scope.year, 12, 31))
    if scope.lot_id is not None:
        stmt = stmt.where(Lot.id == scope.lot_id)
    if scope.donor_id is not None:
        stmt = stmt.where(Lot.donor_id == scope.donor_id)
    if scope.workshop_id is not None:
        stmt = stmt.where(Lot.workshop_id == scope.workshop_id)
    if scope.territory is not None:
        stmt = stmt.join(Donor, Lot.donor_id == Donor.id).where(
            Donor.territory == scope.territory)
    return [(c, s) for c, s in session.execute(stmt)]


def balance(session: Session, scope: Scope, factors: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    factors = factors or load_factors()
    rows = _items(session, scope)
    states = Counter(s for _, s in rows)
    audit = Counter(c for c, s in rows if s == intake.IN_AUDIT)
    refurbished = Counter(c for c, s in rows if s in intake.NEEDS_ERASURE)
    years = float(factors.get("second_life_years", 1))
    per_year = factors["per_year"]
    co2e = weee = 0.0
    for category, n in refurbished.items():
        f = per_year.get(category) or {}
        co2e += n * years * float(f.get("co2e_kg", 0.0))
        weee += n * years * float(f.get("weee_kg", 0.0))
    return {
        "year": scope.year,
        "donor_id": scope.donor_id,
        "workshop_id": scope.workshop_id,
        "territory": scope.territory,
        "received": len(rows),
        "in_audit": {"total": states[intake.IN_AUDIT],
                     "by_category": dict(sorted(audit.items()))},
        "refurbished": sum(refurbished.values()),
        "distributed": states[intake.DISTRIBUTED],
        "recycled_weee": states[intake.RECYCLED_WEEE],
        "to_repair": states[intake.TO_REPAIR],
        "not_yet_audited": states[intake.RECEIVED],
        "refurbished_by_category": dict(sorted(refurbished.items())),
        "co2e_avoided_kg": round(co2e, 3),
        "weee_avoided_kg": round(weee, 3),
        "no_factor": sorted(c for c in refurbished if c not in per_year),
        "factors_source": factors["source"]["title"],
    }


CSV_HEADER = ["year", "donor_id", "workshop_id", "received", "in_audit", "refurbished",
              "distributed", "recycled_weee", "to_repair", "co2e_avoided_kg",
              "weee_avoided_kg"]


def csv_row(b: dict[str, Any]) -> list[Any]:
    return [b["year"], b["donor_id"], b["workshop_id"], b["received"], b["in_audit"]["total"],
            b["refurbished"], b["distributed"], b["recycled_weee"], b["to_repair"],
            b["co2e_avoided_kg"], b["weee_avoided_kg"]]
