"""Signals of the cases app for apps keeping data derived from cases (cases imports none of
them): ``case_changed`` (``case``; ``created=True`` from intake, with ``memo``, the configuration
memo read before its transaction, or None), sent by intake, every transition and the deadline
recomputation inside their transactions."""
from django.dispatch import Signal

case_changed = Signal()
