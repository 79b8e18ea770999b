"""Stage and overall due dates of a case (SPEC §4): computed with their explanations
(compute), kept in the case's CaseDeadline rows (rows), from a configuration whose changes
drop what is memoised and recompute the open cases (configuration)."""
from .compute import (  # noqa: F401
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
from .rows import (  # noqa: F401
    Clock,
    apply_deadlines,
    explain_in_language,
    initial_deadlines,
    on_action,
    recompute_open_cases,
)
