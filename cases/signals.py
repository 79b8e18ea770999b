"""Signals of the cases app for apps that keep data derived from cases (cases imports none).

``case_changed`` (``case``; ``created=True`` from intake): a case's KPI inputs may have
changed. Sent by intake, every transition and the deadline recomputation inside their
transactions, so a receiver writes its derived rows in the same transaction."""
from django.dispatch import Signal

case_changed = Signal()
