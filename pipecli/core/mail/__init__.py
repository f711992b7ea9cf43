"""Email that pipe sends: SMTP, the messages for a deal, automations that send themselves, the daily digest."""
