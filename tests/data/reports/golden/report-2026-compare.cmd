report --period 2026 --compare
