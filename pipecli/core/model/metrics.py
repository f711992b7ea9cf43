"""Aggregates over deals: counts, totals and weighted totals in the base currency."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from pipecli.core.model.queries import Facts


@dataclass(frozen=True)
class Totals:
    """How many deals, what they are worth, and what they are worth weighted by probability."""

    count: int
    value: Decimal
    weighted: Decimal


def totals(deals: Iterable[Facts]) -> Totals:
    """The totals of some deals; raises MissingRate for a deal in a currency without a rate."""
    count, value, weighted = 0, Decimal(0), Decimal(0)
    for f in deals:
        count += 1
        value += f.base_value
        weighted += f.weighted_value
    return Totals(count, value, weighted)
