"""Handlers of the group and major-complaint actions (SPEC §12), named on their rows in
cases.actions.table: set_group, mark_major, submit_emergency_report. As every handler they take
(case, access, data, now), change the case in memory and return the event's data; the emergency
report's deadline is the rows' clock effect (cases.deadlines.rows, Clock.OPEN_EMERGENCY)."""
from .. import groups


def set_group(case, access, data, now):
    """The group as a whole: the number of complainants and the representatives (none when
    the body names none, as set_flags does with flags)."""
    old = {"count": case.complainant_count, "representatives": len(case.representatives or [])}
    case.complainant_count = groups.complainant_count_checked(data.get("complainant_count"))
    case.representatives = groups.representatives_checked(data.get("representatives") or [],
                                                          current=case.representatives)
    # The event keeps the counts only: the representatives' names and phones are personal data.
    return {"from": old, "to": {"count": case.complainant_count, "representatives": len(case.representatives)}}


def mark_major(case, access, data, now):
    case.major_reason = data["reason"]
    case.major_note = data.get("note") or ""
    case.major_marked_at = now
    return {"reason": case.major_reason}


def submit_emergency_report(case, access, data, now):
    case.emergency_report = data["report"]
    case.emergency_reported_at = now
    return {}
