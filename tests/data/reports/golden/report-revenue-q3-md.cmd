report revenue --period 2026-Q3 --format md
