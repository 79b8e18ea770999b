from .calendar import CalendarDay, CalendarYear
from .case import Complaint, ReferenceCounter
from .deadlines import CaseDeadline, ConfigurationVersion, DeadlinePolicy, StageRule
from .inbound import InboundMail, UnreadableMail
from .mediation import Mediation
from .notices import Notice, NoticeKind, NoticeTemplate
from .notifications import Notification, SmsDelivery
from .org import Absence, Department, DepartmentMembership, RoutingRule
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
from .saved import SavedFilter
from .submissions import SubmissionKey

__all__ = [
    "Absence",
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
    "InboundMail",
    "Mediation",
    "Notice",
    "NoticeKind",
    "NoticeTemplate",
    "Notification",
    "Pause",
    "Plan",
    "PlanApproval",
    "ReferenceCounter",
    "RoutingRule",
    "SavedFilter",
    "SmsDelivery",
    "Report",
    "StageRule",
    "SubmissionKey",
    "TeamMember",
    "UnreadableMail",
]
