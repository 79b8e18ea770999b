"""Admin registrations of the packages (Django imports this module)."""
from .bonus import admin as bonus_admin  # noqa: F401
from .disclosure import admin as disclosure_admin  # noqa: F401
from .kpi import admin as kpi_admin  # noqa: F401
from .supervision import admin as supervision_admin  # noqa: F401
from .warning import admin as warning_admin  # noqa: F401
