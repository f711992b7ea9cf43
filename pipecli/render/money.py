"""Money and percentages as people read them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def amount(value: Decimal | int | float, currency: str | None = None) -> str:
    """12000 -> '12,000'; cents only when there are some; the currency code after, if given."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        text = f"{number.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
    else:
        text = f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    return f"{text} {currency}" if currency else text


def short(value: Decimal | int | float) -> str:
    """A compact amount for narrow places: 950, 12.5k, 1.2M."""
    number = Decimal(str(value))
    shown = number.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if abs(shown) < 1000:
        return f"{shown}"
    # Move up a unit while the rounded figure would need four digits: 999,950 is 1M, not 1000k.
    for suffix in ("k", "M", "G", "T"):
        number /= 1000
        scaled = number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if abs(scaled) < 1000 or suffix == "T":
            break
    return f"{scaled:f}".rstrip("0").rstrip(".") + suffix
