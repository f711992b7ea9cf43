"""Values typed by a user: amounts, probabilities, contacts, tags, one-line text."""

import pytest

from pipecli.core.errors import InvalidValue
from pipecli.core.model.values import (clean_tags, format_contact, one_line, parse_amount, parse_contact,
                                       parse_probability)


@pytest.mark.parametrize("text, value", [("12000", 12000), ("12,000", 12000), ("1,234,567.5", 1234567.5),
                                         ("12_000", 12000), ("0", 0), (" 7.25 ", 7.25), ("9999999999999.99", 9999999999999.99)])
def test_amounts(text, value):
    parsed = parse_amount(text)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize("text, words", [
    ("-5", "cannot be negative"), ("lots", "expected a number"), ("1,2,3", "expected a number"),
    ("1e5", "expected a number"), ("NaN", "expected a number"), ("Infinity", "expected a number"),
    ("10000000000000", "too large"), ("1" * 40, "too large"), ("", "expected a number"), ("12.505", "two decimals"),
])
def test_bad_amounts(text, words):
    with pytest.raises(InvalidValue, match=words):
        parse_amount(text)


def test_probability_range_and_wording():
    assert parse_probability("35") == 35
    with pytest.raises(InvalidValue, match="bad probability '-1': it cannot be negative"):
        parse_probability("-1")
    with pytest.raises(InvalidValue, match="0 to 100"):
        parse_probability("101")


@pytest.mark.parametrize("text, contact", [
    ("Jonas Weber <jonas@acme.example>", {"name": "Jonas Weber", "email": "jonas@acme.example"}),
    ("<jonas@acme.example>", {"email": "jonas@acme.example"}),
    ("jonas@acme.example", {"email": "jonas@acme.example"}),
    ("Jonas", {"name": "Jonas"}),
])
def test_contacts_round_trip_through_their_text(text, contact):
    assert parse_contact(text) == contact
    assert parse_contact(format_contact(contact)) == contact


@pytest.mark.parametrize("text", ["", "Jo <jo@>", "jo@nowhere", "Jo <x", "Jo\n<jo@x.example>"])
def test_bad_contacts(text):
    with pytest.raises(InvalidValue):
        parse_contact(text)


def test_tags_and_one_line_text():
    assert clean_tags(["eu, smb", "eu", " ", "b2b"]) == ["eu", "smb", "b2b"]
    with pytest.raises(InvalidValue, match="must be one line"):
        clean_tags(["a\nb"])
    with pytest.raises(InvalidValue, match="account must be one line"):
        one_line("Acme\r\nGmbH", "account")
