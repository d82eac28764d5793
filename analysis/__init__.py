"""Pure-numpy analyses of simulated reaches and hidden activity (no torch)."""
