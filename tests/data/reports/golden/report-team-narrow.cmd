report team --period 2026 --width 80
