from . import calendar_admin, case_admin  # noqa: F401  (registration side effects)
