"""Annual complaint disclosure (Art. 26) and the benchmark against industry medians (SPEC §13)."""
