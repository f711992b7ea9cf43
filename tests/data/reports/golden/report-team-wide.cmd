report team --period 2026 --wide
