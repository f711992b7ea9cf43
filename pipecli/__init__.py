"""pipe: a sales pipeline kept as plain text in git."""

__version__ = "0.1.0"
