from io import StringIO

from django.core.management import call_command

from cases.actions import table


def test_workflow_graph_prints_every_state_changing_transition():
    out = StringIO()
    call_command("workflow_graph", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert text.startswith("stateDiagram-v2")
    assert "  responded --> assigned: customer_disputes" in text
    assert "  closed --> archived: archive" in text
    assert text.count("-->") == len(list(table.graph_edges()))


def test_workflow_graph_dot_format_names_both_ends():
    out = StringIO()
    call_command("workflow_graph", "--format", "dot", stdout=out, stderr=StringIO())
    assert '"plan_pending" -> "reported" [label="reject_plan"];' in out.getvalue()
