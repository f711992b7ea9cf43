"""Reading values typed by a user: amounts, percentages, contacts, tags, one-line text."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from pipecli.core.errors import InvalidValue, Named
from pipecli.core.names import EMAIL_PATTERN

# Amounts are kept as YAML numbers, that is as floats when they have cents. Below 10^13 with
# at most two decimals an amount has at most 15 significant digits, which a float holds exactly.
MAX_AMOUNT = Decimal(10) ** 13
_AMOUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?\Z")
_CONTACT = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*$")


def parse_amount(text: str | int | float | Decimal, what: str | Named = "value") -> int | float:
    """A number >= 0 from user input, like 12000, 12,000 or 12000.50; returns an int when whole.
    what names the input in a refusal."""
    cleaned = str(text).strip().replace("_", "")
    if cleaned.startswith("-") and _AMOUNT.match(cleaned[1:]):
        raise InvalidValue("bad ", what, f" '{text}': it cannot be negative")
    if not _AMOUNT.match(cleaned):
        raise InvalidValue("bad ", what, f" '{text}': expected a number like 12000, 12,000 or 12000.50 (at most two decimals)")
    try:
        number = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise InvalidValue("bad ", what, f" '{text}'") from None
    if number >= MAX_AMOUNT:
        raise InvalidValue("bad ", what, f" '{text}': too large (the limit is {MAX_AMOUNT:,})")
    return int(number) if number == number.to_integral_value() else float(number)


def parse_probability(text: str | int | float) -> int | float:
    """A win probability in percent, 0 to 100."""
    number = parse_amount(text, "probability")
    if number > 100:
        raise InvalidValue(f"bad probability '{text}': expected a percentage from 0 to 100")
    return number


def parse_contact(text: str) -> dict:
    """A contact from 'Name <email>', a bare email address, or a bare name."""
    one_line(text, "a contact")
    match = _CONTACT.match(text)
    if match:
        contact = {"name": match.group("name")} if match.group("name") else {}
        if not EMAIL_PATTERN.match(match.group("email")):
            raise InvalidValue(f"bad contact email '{match.group('email')}'")
        contact["email"] = match.group("email")
        return contact
    stripped = text.strip()
    if not stripped:
        raise InvalidValue("empty contact: use 'Name <email>', an email or a name")
    if "@" in stripped:
        if not EMAIL_PATTERN.match(stripped):
            raise InvalidValue(f"bad contact email '{text}'")
        return {"email": stripped}
    if "<" in stripped or ">" in stripped:
        raise InvalidValue(f"bad contact '{text}': use 'Name <email>'")
    return {"name": stripped}


def format_contact(contact: dict) -> str:
    """A contact the way parse_contact reads it: 'Name <email>', or whichever part there is."""
    name = "" if contact.get("name") is None else str(contact["name"])
    email = contact.get("email") or ""
    return f"{name} <{email}>".strip() if email and name else (email or name)


def clean_tags(tags: tuple[str, ...] | list[str]) -> list[str]:
    """Tags as given, split on commas, stripped, without duplicates, in the order first seen."""
    result: list[str] = []
    for tag in tags:
        for part in one_line(str(tag), "a tag").split(","):
            part = part.strip()
            if part and part not in result:
                result.append(part)
    return result


def one_line(text: str, what: str) -> str:
    """text, refused if it spans lines: it would break tables, cards and the YAML layout."""
    if "\n" in text or "\r" in text:
        raise InvalidValue(f"{what} must be one line")
    return text


def without_controls(text: str, keep: str = "") -> str:
    """text with each control character (ESC, NUL, DEL, C1...) and line or paragraph separator as a
    space, but those in keep: what a file brings in cannot rewrite a terminal."""
    if text.isprintable():
        return text
    return "".join(" " if c not in keep and unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
