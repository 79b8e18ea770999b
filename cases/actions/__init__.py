"""The actions on a case, one row each (table), with their fields (fields), what each does
(handlers) and their HTML forms (forms). The lifecycle service applies them."""
from .table import (
    ACTIONS,
    PUBLIC_ACTIONS,
    Action,
    actions_for,
    allowed_actions,
    event_label,
    graph_edges,
    public_rows,
    refusal,
    resolve,
    target_state,
)

__all__ = ["ACTIONS", "PUBLIC_ACTIONS", "Action", "actions_for", "allowed_actions", "event_label", "graph_edges",
           "public_rows", "refusal", "resolve", "target_state"]
