"""The case page's action panel as the user sees it: one form per action with its fields, their
labels and required marks, the errors of a refused submission, the confirmation, in English
and in Chinese."""
from django.urls import reverse
from django.utils import translation

from tests.html import attr, classes, element, elements, text

from .helpers import act


def _form(page, action):
    return element(page, "form", class_="action-form", data_action=action)


def _field(form, name):
    """The wrapper of the field whose input is called ``name`` (the div around label and input)."""
    wrappers = [div for div in elements(form, "div", class_="mb-3") if elements(div, "input", name=name)
                or elements(div, "select", name=name) or elements(div, "textarea", name=name)]
    return wrappers[-1]


def _required(node):
    return bool(elements(node, "span", class_="text-danger", aria_hidden="true"))


def test_each_action_is_a_form_with_its_fields_labels_and_required_marks(login, assigned_case):
    case = assigned_case
    page = login("head_sales").get(reverse("case_detail", args=[case.reference])).content.decode()
    form = _form(page, "form_team")
    assert attr(form, "action") == reverse("case_action", args=[case.reference, "form_team"])
    assert attr(element(form, "input", name="version"), "value") == str(case.version)
    assert attr(element(form, "input", name="csrfmiddlewaretoken"), "type") == "hidden"
    lead = _field(form, "lead")
    assert text(element(lead, "label", for_="id_lead")).startswith("Team lead") and _required(lead)
    assert "inv_sales" in [attr(o, "value") for o in elements(element(lead, "select", name="lead"), "option")]
    members = elements(form, "fieldset")[0]
    assert text(element(members, "legend")) == "Members" and not _required(members)
    # each member's attestation is asked on its own (SPEC §2): one checkbox per member of staff
    recusal = _field(form, "recusal_attested_by")
    assert _required(recusal)
    boxes = elements(recusal, "input", name="recusal_attested_by")
    assert {attr(b, "type") for b in boxes} == {"checkbox"} and "inv_sales" in [attr(b, "value") for b in boxes]
    button = element(form, "button", type="submit")
    assert text(button) == "Form the investigation team" and "btn-primary" in classes(button)


def test_the_first_step_is_open_and_the_others_closed(login, assigned_case):
    page = login("head_sales").get(reverse("case_detail", args=[assigned_case.reference])).content.decode()
    opened = element(page, "button", data_bs_target="#act-form_team")
    assert attr(opened, "aria-expanded") == "true" and "collapsed" not in classes(opened)
    assert "show" in classes(element(page, "div", id="act-form_team"))
    closed = element(page, "button", data_bs_target="#act-withdraw")
    assert attr(closed, "aria-expanded") == "false" and "collapsed" in classes(closed)
    assert "Other actions" in text(element(page, "div", id="actions"))


def test_a_closed_action_brings_its_form_when_first_opened(login, assigned_case):
    # given the case page, where only the open item's form is rendered
    client = login("head_sales")
    page = client.get(reverse("case_detail", args=[assigned_case.reference])).content.decode()
    assert not elements(page, "form", class_="action-form", data_action="withdraw")
    loader = element(element(page, "div", id="act-withdraw"), "div", hx_trigger="intersect once")
    url = reverse("case_action_form", args=[assigned_case.reference, "withdraw"])
    assert attr(loader, "hx-get") == url
    # when the item is opened, its form is fetched
    fragment = client.get(url).content.decode()
    # then it is the form the page would have rendered, with its token and confirmation
    form = _form(fragment, "withdraw")
    assert attr(form, "action") == reverse("case_action", args=[assigned_case.reference, "withdraw"])
    assert attr(element(form, "input", name="version"), "value") == str(assigned_case.version)
    assert attr(element(form, "input", name="csrfmiddlewaretoken"), "type") == "hidden"
    withdraw = element(form, "button", type="submit")
    assert attr(withdraw, "data-confirm") == "Record the withdrawal? Processing stops today."


def test_the_form_of_an_action_the_user_may_not_take_now_is_not_found(login, assigned_case):
    client = login("head_sales")
    for action in ("acknowledge", "no_such_action"):  # acknowledge: the case is past it
        url = reverse("case_action_form", args=[assigned_case.reference, action])
        assert client.get(url).status_code == 404
    # another department's case is not found, as on the case page
    assert login("head_claims").get(reverse("case_action_form", args=[assigned_case.reference, "withdraw"])).status_code == 404


def test_a_refused_form_comes_back_open_with_its_errors_and_values(login, assigned_case):
    response = act(login("head_sales"), assigned_case.reference, "form_team", lead="inv_sales")  # not attested
    assert response.status_code == 400
    page = response.content.decode()
    assert "show" in classes(element(page, "div", id="act-form_team"))
    form = _form(page, "form_team")
    error = element(_field(form, "recusal_attested_by"), "div", class_="invalid-feedback")
    assert text(error) == "This field is required."
    selected = [o for o in elements(element(form, "select", name="lead"), "option") if ("selected", None) in o.attributes]
    assert [attr(o, "value") for o in selected] == ["inv_sales"]


def test_a_stale_form_shows_why_above_its_fields(login, assigned_case):
    response = act(login("head_sales"), assigned_case.reference, "extend", tier="complex", reason="<b>slow</b>",
                   version=assigned_case.version - 1)
    assert response.status_code == 409
    alert = element(_form(response.content.decode(), "extend"), "div", class_="alert-danger", role="alert")
    assert "changed by someone else" in text(alert)


def test_the_panel_speaks_chinese_to_a_chinese_reader(login, assigned_case):
    client = login("head_sales")
    client.cookies["django_language"] = "zh-hans"
    # (override: the language the request activates is not left active for the next test)
    with translation.override("zh-hans"):
        page = client.get(reverse("case_detail", args=[assigned_case.reference])).content.decode()
        title, lead = translation.gettext("Form the investigation team"), translation.gettext("Team lead")
    assert title != "Form the investigation team"
    form = _form(page, "form_team")
    assert text(element(form, "button", type="submit")) == title
    assert text(element(form, "label", for_="id_lead")).startswith(lead)
