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
    for limit, suffix in ((Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if abs(number) >= limit:
            scaled = (number / limit).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            text = f"{scaled:f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{number.quantize(Decimal(1), rounding=ROUND_HALF_UP)}"
