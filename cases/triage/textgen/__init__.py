"""Made-up Chinese complaint texts with their labels, for the demo data, the tests and the
benchmark of the triage suggestions (cases.triage).

Generated from templates × slot fillers × product names × amounts × dates, with the noise of
real intake (typos, colloquial speech, a second matter mentioned in passing, sentences that say
nothing, texts of every length) and a few percent of cases whose final label is not the one
their text suggests. Seeded: the same seed gives the same cases. An accuracy measured on these
texts says how well the pipeline separates this generator's phrasings, not how it will do on
an insurer's real complaints.
"""
from .generator import GeneratedCase, generate_cases, generate_text

__all__ = ["GeneratedCase", "generate_cases", "generate_text"]
