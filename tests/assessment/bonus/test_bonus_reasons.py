"""Bonus reasons (assessment.bonus.reasons): stored as a code and parameters, written in the
reader's language; rows of the text era converted where their text is matched, kept otherwise."""
import importlib

import pytest
from django.apps import apps
from django.utils import translation

from assessment.bonus import reasons
from assessment.bonus.models import BonusProposal
from assessment.bonus.services import proposals as proposal_services
from tests.assessment.bonus.test_bonus_services import AS_OF, Q, cs, sales, supervisor  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

reasons_migration = importlib.import_module("assessment.migrations.0018_bonus_reasons_from_text")


def _sales_proposal(supervisor, sales):  # noqa: F811 - fixtures
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    return BonusProposal.objects.get(department=sales, quarter=Q)


def test_a_proposal_stores_its_reason_as_a_code_and_parameters_not_text(supervisor, sales):  # noqa: F811
    proposal = _sales_proposal(supervisor, sales)

    assert proposal.reason_code == reasons.EVALUATED and proposal.reason == ""
    assert proposal.reason_params["complaints"] == 3 and proposal.reason_params["policies"] == 10_000
    assert proposal.reason_params["evaluation"]["tier"] == 1
    assert proposal.reason_params["evaluation"]["adjustment"] == "+10.00"


def test_a_reason_is_written_in_the_readers_language(supervisor, sales):  # noqa: F811
    # given a proposal computed while the supervisor read Chinese
    with translation.override("zh-hans"):
        proposal = _sales_proposal(supervisor, sales)

    # when an English and a Chinese reader read it
    with translation.override("en"):
        english = proposal.reason_text
    with translation.override("zh-hans"):
        chinese = proposal.reason_text

    # then each reads their own language
    assert "3 complaints ÷ 10000 new policies" in english and "Tier 1" in english and "→ +10.00%." in english
    assert "匹配第 1 档" in chinese and "Tier 1" not in chinese
    assert english != chinese


def test_a_reason_set_by_hand_names_the_adjustment_and_shows_the_figures(supervisor, sales):  # noqa: F811
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    proposal_services.bonus_quarter_approve(supervisor, Q, confirm=True)
    corrected = proposal_services.bonus_proposal_correct(supervisor, sales, Q, reason="Finance", adjustment_percent=5)

    assert corrected.reason_code == reasons.SET_BY_HAND
    with translation.override("en"):
        assert corrected.reason_text.startswith("Set by hand to 5% by supervisor. Figures for reference: SALES 2026Q2")


def test_a_row_without_a_code_shows_its_stored_text(supervisor, sales):  # noqa: F811
    proposal = _sales_proposal(supervisor, sales)
    BonusProposal.objects.filter(pk=proposal.pk).update(reason_code="", reason_params={}, reason="旧的理由")

    with translation.override("en"):
        assert BonusProposal.objects.get(pk=proposal.pk).reason_text == "旧的理由"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_migration_turns_a_matched_text_reason_into_its_code(supervisor, sales, cs, language):  # noqa: F811
    # given proposals of the text era: each stored its reason written in the language of the day
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    before = {}
    for proposal in BonusProposal.objects.filter(quarter=Q):
        before[proposal.pk] = proposal.reason_params
        with translation.override(language):
            text = proposal.reason_text
        BonusProposal.objects.filter(pk=proposal.pk).update(reason_code="", reason_params={}, reason=text)
    unmatched = BonusProposal.objects.get(department=sales, quarter=Q)
    BonusProposal.objects.filter(pk=unmatched.pk).update(reason=unmatched.reason + " (edited by hand)")

    # when the migration runs
    reasons_migration.reasons_from_text(apps, None)

    # then the matched row has its code and parameters back, and the edited one keeps its text
    converted = BonusProposal.objects.exclude(pk=unmatched.pk).get(quarter=Q)
    assert converted.reason_code == reasons.EVALUATED and converted.reason == ""
    assert converted.reason_params == before[converted.pk]
    kept = BonusProposal.objects.get(pk=unmatched.pk)
    assert kept.reason_code == "" and kept.reason.endswith("(edited by hand)")
    assert kept.reason_text == kept.reason


def test_a_corrections_approval_note_is_written_in_the_readers_language_and_migrated(supervisor, sales):  # noqa: F811
    # given a correction approved while the supervisor read Chinese
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    proposal_services.bonus_quarter_approve(supervisor, Q, confirm=True)
    with translation.override("zh-hans"):
        corrected = proposal_services.bonus_proposal_correct(supervisor, sales, Q, reason="财务更正")
    approval = corrected.approval
    assert approval.note_code == reasons.CORRECTION and approval.note == ""

    # then each reader reads their own language
    with translation.override("en"):
        assert approval.note_text == "Correction of SALES v1: 财务更正"
    with translation.override("zh-hans"):
        chinese = approval.note_text
    assert chinese == "更正 SALES 第 1 版：财务更正"

    # and a note of the text era, in Chinese, becomes its code again
    approval.__class__.objects.filter(pk=approval.pk).update(note_code="", note_params={}, note=chinese)
    reasons_migration.reasons_from_text(apps, None)
    approval.refresh_from_db()
    assert approval.note_code == reasons.CORRECTION and approval.note == ""
    assert approval.note_params == {"dept": "SALES", "v": 1, "reason": "财务更正"}
