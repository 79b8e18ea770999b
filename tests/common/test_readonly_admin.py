"""Records the portal writes itself (deadlines, access logs, bonus proposals and approvals,
spot checks, rectifications, corrective actions, mails taken or left unread, SMS receipts, surge alerts,
organised-complaint reviews, industry medians) are read-only in the admin, even for a superuser."""
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

from complaints_portal.common.admin import ReadOnlyAdminMixin

pytestmark = pytest.mark.django_db

EXPECTED = {"casedeadline", "accesslog", "bonusproposal", "bonusapproval", "spotcheck", "rectification",
            "correctiveaction", "inboundmail", "unreadablemail", "smsdelivery", "triagemodel", "triagesuggestion",
            "surgealert", "organisedreview", "industrymedian"}


def test_the_read_only_admins_refuse_to_add_change_or_delete(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    read_only = {model._meta.model_name: model for model, model_admin in admin.site._registry.items()
                 if isinstance(model_admin, ReadOnlyAdminMixin)}
    assert set(read_only) == EXPECTED
    for name, model in read_only.items():
        base = f"/admin/{model._meta.app_label}/{name}/"
        assert client.get(base).status_code == 200, name
        assert client.get(base + "add/").status_code == 403, name
        model_admin = admin.site._registry[model]
        request = client.get(base).wsgi_request
        assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)
