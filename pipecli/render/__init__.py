"""Turning results into text: tables, csv/json/markdown, the board; knows nothing of click."""
