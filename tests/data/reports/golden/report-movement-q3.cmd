report movement calibration --period 2026-Q3
