report --period 2026 --compare --width 80
