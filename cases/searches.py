"""The case lists' searches, kept server-side (SPEC §1: personal data never travels in a URL).

The filter form of the queues and the all-cases list is POSTed; its values are kept in the
user's session under a short random key, and the list is shown at ``?s=<key>``. So a search by
phone, ID number or name reaches no access log, export link, language form ``next``, Referer
or browser history: only the key does, and it means nothing outside the user's session.
Pagination and the exports carry the key. Filters without personal data (status, category,
channel, department, overdue, due soon) are still taken from the query string, so a link to a
queue's overdue cases stays a plain link; the search text never is.
"""
import secrets

SEARCH_PARAM = "s"
SESSION_KEY = "case_searches"
KEEP = 20  # searches kept per session, newest last: enough for the back button and open tabs
PERSONAL = ("q",)  # filter fields that may hold personal data: never read from a URL


def search_store(request, data):
    """Keep ``data`` (the filter form's JSON-safe values) in the session; returns its key."""
    saved = dict(request.session.get(SESSION_KEY) or {})
    key = secrets.token_urlsafe(6)
    saved[key] = data
    request.session[SESSION_KEY] = dict(list(saved.items())[-KEEP:])
    return key


def search_load(request, key):
    """The values kept under ``key`` in this user's session, or None (unknown, expired)."""
    if not key:
        return None
    return (request.session.get(SESSION_KEY) or {}).get(key)


def filter_data(request):
    """The data to bind a list's filter form with, or None for an unfiltered list: the POSTed
    form, the stored search named in the URL, or the query string without its personal fields."""
    if request.method == "POST":
        return request.POST
    stored = search_load(request, request.GET.get(SEARCH_PARAM))
    data = request.GET.copy()
    for name in (*PERSONAL, SEARCH_PARAM, "page"):
        data.pop(name, None)
    if stored is not None:
        # The query string's other filters (a sort, a chip's removal) apply over the stored ones.
        return {**stored, **data.dict()}
    return data or None
