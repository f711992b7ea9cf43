"""What ids, currency codes and email addresses look like, for every module that checks them, and how a long
list of them is named in one message."""

from __future__ import annotations

import re

# Deal, pipeline, stage and member ids: lowercase words joined by single dashes. A deal id is
# also a file name, so this pattern is what keeps every path inside deals/.
# \Z, not $: `$` also matches before a final newline, and "abc\n" is no id.
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}\Z")
EMAIL_PATTERN = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+\Z")


def first_of(items: list[str], shown: int, separator: str = ", ") -> str:
    """The first `shown` items joined, and how many more: a message about 10,000 rows stays one short line."""
    text = separator.join(items[:shown])
    return text if len(items) <= shown else f"{text} and {len(items) - shown} more"
