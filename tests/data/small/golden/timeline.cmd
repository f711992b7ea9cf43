timeline halvard
