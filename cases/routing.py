"""Routing rules (SPEC §14): the department a complaint goes to by its category, dispute type,
channel and product line. A blank condition matches anything, a rule's product line matches
when the complaint's contains it; of the matching active rules the most specific wins (the
most conditions set), then the lower priority number. Pre-fills the intake form's and the
dispatch form's department; the clerk decides."""
from .models import RoutingRule


def routed_department(*, category="", dispute_type="", channel="", product_line=""):
    """The department of the best matching rule, or None."""
    facts = {"category": category or "", "dispute_type": dispute_type or "", "channel": channel or ""}
    product_line = (product_line or "").casefold()
    best = None
    for rule in RoutingRule.objects.filter(active=True, department__active=True).select_related("department"):
        if any(getattr(rule, name) and getattr(rule, name) != value for name, value in facts.items()):
            continue
        if rule.product_line and rule.product_line.casefold() not in product_line:
            continue
        rank = (-sum(bool(getattr(rule, name)) for name in RoutingRule.CONDITIONS), rule.priority, rule.pk)
        if best is None or rank < best[0]:
            best = (rank, rule.department)
    return best[1] if best else None


def routed_department_code(case):
    """The routed department's code for ``case`` (the dispatch form's initial value), or None."""
    department = routed_department(category=case.category, dispute_type=case.dispute_type, channel=case.channel,
                                   product_line=case.product_line)
    return department.code if department else None
