report --period 2026 --format json
