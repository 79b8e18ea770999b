from django.urls import reverse

from cases.models import Complaint


def act(client, reference, action, **data):
    """POST one action form from the case page, with the case's current version."""
    version = data.pop("version", None)
    if version is None:
        version = Complaint.objects.get(reference=reference).version
    return client.post(reverse("case_action", args=[reference, action]), {"version": version, **data})
