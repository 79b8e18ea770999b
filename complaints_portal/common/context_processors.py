def portal(request):
    """Roles of the current user (navigation fits the role) and the unread-notification count."""
    access = getattr(request, "access", None)
    if access is None or not getattr(access.user, "is_authenticated", False):
        return {"portal_roles": frozenset(), "unread_notifications": 0}
    return {"portal_roles": access.roles, "unread_notifications": access.unread}
