"""The supervisor's forms render like the intake form: styled controls, named empty choices,
people by name, and a default date the browser's date picker keeps in every language."""
import datetime
import re

import pytest
from django.test import Client
from django.utils import translation

from assessment.bonus.forms import TrainingPlanForm
from assessment.bonus.models import TrainingTopic
from tests.assessment.kpi.test_services import make_user

pytestmark = pytest.mark.django_db


def client_for(user, language="zh-hans"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_default_date_is_iso_in_every_language(language):
    with translation.override(language):
        html = str(TrainingPlanForm(initial={"date": datetime.date(2026, 12, 7)})["date"])
    assert 'type="date"' in html
    assert 'value="2026-12-07"' in html


def test_training_plan_form_names_its_empty_choices_and_people_by_name():
    TrainingTopic.objects.create(name="Sales conduct")
    owner = make_user("trainer_li", "intake_clerk")
    owner.first_name, owner.last_name = "Li", "Na"
    owner.save()
    with translation.override("en"):
        html = TrainingPlanForm().as_p()
    assert "---------" not in html
    assert "Choose a topic" in html and "Choose who runs it" in html
    assert re.search(rf'<option value="{owner.pk}">[^<]*Li[^<]*</option>', html)
    assert 'class="form-select"' in html


@pytest.mark.parametrize("url", ["/assessment/targets/", "/assessment/results/training/",
                                 "/assessment/results/rules/new/"])
def test_supervisor_forms_have_styled_controls(url):
    supervisor = make_user("sup_forms", "supervisor")
    html = client_for(supervisor).get(url).content.decode()
    controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)
    visible = [c for c in controls if 'type="hidden"' not in c and 'type="checkbox"' not in c]
    assert visible
    unstyled = [c for c in visible if not re.search(r'class="[^"]*form-(?:control|select)', c)]
    assert unstyled == []
