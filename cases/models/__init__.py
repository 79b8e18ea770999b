from .calendar import CalendarDay, CalendarYear
from .case import Complaint, ReferenceCounter
from .deadlines import CaseDeadline, ConfigurationVersion, DeadlinePolicy, StageRule
from .notifications import Notification
from .org import Department, DepartmentMembership
from .parts import (
    AccessLog,
    Attachment,
    CaseEvent,
    Decision,
    Extension,
    Pause,
    Plan,
    PlanApproval,
    Report,
    TeamMember,
)

__all__ = [
    "AccessLog",
    "Attachment",
    "CalendarDay",
    "CalendarYear",
    "CaseDeadline",
    "CaseEvent",
    "Complaint",
    "ConfigurationVersion",
    "Decision",
    "DeadlinePolicy",
    "Department",
    "DepartmentMembership",
    "Extension",
    "Notification",
    "Pause",
    "Plan",
    "PlanApproval",
    "ReferenceCounter",
    "Report",
    "StageRule",
    "TeamMember",
]
