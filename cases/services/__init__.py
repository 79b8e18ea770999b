"""Every write to a case. Views, the API, commands and tasks call these and nothing else."""
from .attachments import attachment_add, attachment_open
from .bulk import bulk_transition
from .intake import case_create
from .privacy import personal_data_reveal
from .transitions import case_transition

__all__ = ["attachment_add", "attachment_open", "bulk_transition", "case_create", "case_transition",
           "personal_data_reveal"]
