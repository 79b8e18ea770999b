"""Triage suggestions at intake: the category, dispute type and responsible department a new
complaint most likely gets, learnt from the insurer's own closed cases (jieba words and
character n-grams, TF-IDF, one linear classifier per target), with the model versioned in the
database and each registration's suggestion kept with its case."""
