"""Bringing deals and interactions in: tables with rules or presets, pipe's own export, mailboxes and calendars."""
