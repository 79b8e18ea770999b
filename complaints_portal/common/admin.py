"""Shared pieces of the Django admin."""


class ReadOnlyAdminMixin:
    """A model admin that lists and shows rows but never adds, changes or deletes them
    (records written by the portal itself: deadlines, access logs, approvals, spot checks)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
