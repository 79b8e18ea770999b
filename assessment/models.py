"""The models of the assessment app, defined in its packages (Django looks for them here)."""
from .bonus.models import *  # noqa: F401,F403
from .disclosure.models import *  # noqa: F401,F403
from .kpi.models import *  # noqa: F401,F403
from .supervision.models import *  # noqa: F401,F403
from .warning.models import *  # noqa: F401,F403
