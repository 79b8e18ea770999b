"""Early warning (SPEC §13): surge alerts over the daily counts, organised-complaint signals."""
