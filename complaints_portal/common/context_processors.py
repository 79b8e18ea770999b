from django.conf import settings


def portal(request):
    """Roles of the current user (navigation fits the role) and the unread-notification count;
    the company's name and hotline for the public pages."""
    company = {"company_name": settings.COMPANY_NAME, "customer_hotline": settings.CUSTOMER_HOTLINE}
    access = getattr(request, "access", None)
    if access is None or not getattr(access.user, "is_authenticated", False):
        return {"portal_roles": frozenset(), "unread_notifications": 0, **company}
    return {"portal_roles": access.roles, "unread_notifications": access.unread, **company}
