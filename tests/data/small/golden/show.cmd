show halvard
