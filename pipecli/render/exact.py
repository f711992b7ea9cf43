"""Numbers for programs: json and csv carry a Decimal with all its digits, never rounded, never a float.

Reports compute in Decimal (money sums to the cent, 2/3 as 0.666...). A float would round a
quotient to 17 digits and a large amount to its nearest double; rounding for people is the job of
the text, md and html renderers (render/reports.py `shown`). docs/reports.md, "Formats", says so.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any


def decimal_text(value: Decimal) -> str:
    """The Decimal's digits as a JSON or CSV number: no exponent, no trailing zeros ('0.3', '-1200', '66.6666...')."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def machine(value: Any) -> Any:
    """A value for json and csv: a whole Decimal as an int, any other kept as a Decimal (all its digits),
    dates as ISO text; recursively through mappings and lists."""
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return Decimal(decimal_text(value)) if value.is_finite() else value  # 920.460 -> 920.46, as json and csv write it
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: machine(v) for k, v in value.items()}
    if isinstance(value, list):
        return [machine(v) for v in value]
    return value


def json_text(value: Any, indent: int = 2, _level: int = 0) -> str:
    """value as json.dumps(value, indent=indent, ensure_ascii=False) writes it, byte for byte, except
    that a Decimal is a number with all its digits (json.dumps refuses Decimals; a float would round)."""
    if isinstance(value, Decimal):
        return decimal_text(value) if value.is_finite() else json.dumps(float(value))
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = "\n" + " " * (indent * (_level + 1))
        items = [_key(k) + ": " + json_text(v, indent, _level + 1) for k, v in value.items()]
        return "{" + inner + ("," + inner).join(items) + "\n" + " " * (indent * _level) + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = "\n" + " " * (indent * (_level + 1))
        items = [json_text(v, indent, _level + 1) for v in value]
        return "[" + inner + ("," + inner).join(items) + "\n" + " " * (indent * _level) + "]"
    return json.dumps(value, ensure_ascii=False, default=str)  # an odd value from a hand-edited file: its text


def _key(key: Any) -> str:
    # json.dumps turns a non-text key into text: True -> "true", None -> "null", 1.5 -> "1.5"
    return json.dumps(key if isinstance(key, str) else json.dumps(key), ensure_ascii=False)
