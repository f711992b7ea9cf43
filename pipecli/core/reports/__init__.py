"""Reports: figures, tables and charts computed from the deals for a period, and their comparison.

A report is plain data (no formatting): the renderers in pipecli/render turn it into text,
markdown, json, csv or html. Money is in the base currency, as Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pipecli.core.model.periods import Period

UNITS = ("money", "count", "percent", "days", "text", "date", "number")


@dataclass
class Figure:
    """A headline number, with the same figure for the compared period once compare() has run."""

    key: str  # stable: what json and csv call it
    label: str
    value: Any
    unit: str = "count"
    previous: Any = None
    compared: bool = False
    comparable: bool = True  # False for a count as of today, which another period cannot change

    @property
    def change(self) -> Any:
        if not self.compared or self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_pct(self) -> Decimal | None:
        """The change in percent of the previous value: None when that is zero or missing, and for a
        figure that is itself a percent (its change is in points)."""
        change = self.change
        if change is None or not self.previous or self.unit == "percent":
            return None
        return Decimal(change) / abs(Decimal(self.previous)) * 100


@dataclass
class Column:
    key: str
    label: str
    unit: str = "text"
    essential: bool = False  # kept whole by a narrow terminal, which drops other columns first


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    note: str = ""
    key_columns: tuple[str, ...] = ()  # what names a row (csv): these columns, else the first
    details: list[Column] = field(default_factory=list)  # in json and csv only, after the columns

    def row_key(self, row: dict) -> str:
        return "/".join(str(row.get(k)) for k in (self.key_columns or (self.columns[0].key,)))


@dataclass
class Chart:
    """A picture of one table: bars of value_key per row labelled by label_key."""

    key: str
    title: str
    table: str
    label_key: str
    value_keys: list[str]
    kind: str = "bars"  # bars, funnel (bars that narrow), or fan (value_keys: low, middle, high, a value beside)


@dataclass
class Report:
    name: str
    title: str
    period: Period
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    compared_with: Period | None = None


def compare(report: Report, previous: Report) -> Report:
    """Put previous's figures beside report's, matched by key."""
    before = {f.key: f.value for f in previous.figures}
    for figure in report.figures:
        if figure.key in before and figure.unit != "text" and figure.comparable:
            figure.previous = before[figure.key]
            figure.compared = True
    report.compared_with = previous.period
    return report


def share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part of whole in percent, or None when whole is zero."""
    return Decimal(part) / Decimal(whole) * 100 if whole else None


def median(values: list) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2


def mean(values: list) -> Decimal | None:
    return Decimal(sum(values)) / len(values) if values else None
