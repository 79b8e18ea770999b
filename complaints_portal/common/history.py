"""django-simple-history's ``Model.history`` with its manager class built once.

The package's descriptor builds a new manager class (``HistoryManager.from_queryset``) on every
access, and the history record of every save reads it: building the class was half of the
record's CPU at intake (bench/intake_profile.py, 2026-12-07). The class depends only on the
descriptor, so it is built once per tracked model; each access still gets its own manager."""
from functools import cached_property

from simple_history.manager import HistoryDescriptor


class KeptHistoryDescriptor(HistoryDescriptor):
    @cached_property
    def kept_manager_class(self):
        return self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self.kept_manager_class(self.model, instance)


def history_managers_keep(models):
    """Replace the history descriptors of ``models`` (the installed models, at start-up)."""
    for model in models:
        for name, value in list(vars(model).items()):
            if type(value) is HistoryDescriptor:
                setattr(model, name, KeptHistoryDescriptor(value.model, value.manager_class, value.queryset_class))
