"""Signals of the cases app, for apps that keep data derived from cases (cases imports none of them).

``case_changed`` (keywords ``case``, and ``created=True`` from intake): what a case's KPI
inputs are made of (the case itself, or its deadlines) may have changed. Sent synchronously,
inside the transaction of the change, by intake, every transition and the deadline
recomputation, so that a receiver writes its derived rows in the same transaction
(assessment's KPI read model).
"""
from django.dispatch import Signal

case_changed = Signal()
