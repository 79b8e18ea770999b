from .roles import unread_notification_count, user_roles


def portal(request):
    """Roles of the current user (navigation fits the role) and the unread-notification count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"portal_roles": frozenset(), "unread_notifications": 0}
    return {
        "portal_roles": user_roles(user),
        "unread_notifications": unread_notification_count(user),
    }
