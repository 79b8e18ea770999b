"""Stage and overall due dates of a case (SPEC §4): computed with their explanations
(compute), kept in the case's CaseDeadline rows (rows), from a configuration whose changes
drop what is memoised and recompute the open cases (configuration)."""
from .compute import (
    DUE_SOON_DAYS,
    clock_inputs,
    compute_deadlines,
    due_soon_until,
    due_state,
    effective_tier,
    extension_check,
    paused_days,
    stage_rules,
)
from .rows import (
    Clock,
    apply_deadlines,
    explain_in_language,
    initial_deadlines,
    on_action,
    recompute_open_cases,
)

__all__ = [
    "DUE_SOON_DAYS", "Clock", "apply_deadlines", "clock_inputs", "compute_deadlines", "due_soon_until", "due_state",
    "effective_tier", "explain_in_language", "extension_check", "initial_deadlines", "on_action", "paused_days",
    "recompute_open_cases", "stage_rules",
]
