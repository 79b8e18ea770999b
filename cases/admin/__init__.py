from . import calendar_admin, case_admin, inbound_admin, notice_admin  # noqa: F401  (registration side effects)
