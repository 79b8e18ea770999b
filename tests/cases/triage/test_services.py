"""Training and storing model versions, the monthly retraining, and the suggestion kept with a
case at registration."""
import datetime
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from cases.triage import selectors, services
from cases.triage.models import TriageModel, TriageSuggestion
from cases.triage.predictor import loads
from cases.triage.tasks import record_suggestion_after_commit
from tests.factories import cases as f
from tests.factories import triage as t

pytestmark = pytest.mark.django_db


def test_training_stores_a_version_with_its_metrics_and_weights_loadable_without_pickle(trained):
    assert trained.version == TriageModel.objects.get().version
    assert trained.trigger == "manual" and trained.training_size == 300
    assert set(trained.metrics) == {"category", "dispute_type", "department"}
    for figures in trained.metrics.values():
        assert figures["test"] == 60 and 0 < figures["top1"] <= figures["top3"] <= 1
    assert trained.parameters["targets"] == ["category", "dispute_type", "department"]
    assert trained.parameters["tokenizer"].startswith("jieba-0.42.1")
    stored = TriageModel.objects.get(version=trained.version)
    arrays = loads(stored.weights)  # allow_pickle=False inside
    assert arrays["category_coef"].dtype == np.float32 and arrays["word_vocab"].dtype.kind == "U"


def test_training_with_fewer_closed_cases_than_the_minimum_is_refused_and_stores_nothing(calendar):
    t.closed_cases(30)
    f.ComplaintFactory(investigating=True)  # open cases do not count
    with pytest.raises(services.TooFewCases) as caught:
        services.triage_model_train(min_cases=50)
    assert caught.value.code == "triage_too_few_cases"
    assert "at least 50 closed cases" in caught.value.message and "there are 30" in caught.value.message
    assert not TriageModel.objects.exists()


def test_a_label_few_closed_cases_carry_is_left_out_and_named(calendar):
    # given legacy cases without a dispute type, and a few portal cases with one
    t.closed_cases(60, dispute_types=False)
    # when the model is trained
    model = services.triage_model_train(min_cases=50)
    # then it suggests category and department only, and says why not the dispute type
    assert model.parameters["targets"] == ["category", "department"]
    assert model.parameters["skipped"] == {"dispute_type": "fewer than 50 cases with this label"}
    assert set(model.metrics) == {"category", "department"}


def test_the_command_reports_the_held_out_accuracy_of_the_new_version(calendar):
    t.closed_cases(60)
    out = StringIO()
    call_command("triage_train", "--min-cases", "50", stdout=out)
    text = out.getvalue()
    assert "Model v" in text and "60 closed cases" in text
    for target in ("category", "dispute_type", "department"):
        assert f"  {target}: top-1 " in text
    assert TriageModel.objects.count() == 1


def test_the_command_with_too_few_cases_fails_with_a_clear_message(calendar):
    t.closed_cases(10)
    with pytest.raises(CommandError, match="Training needs at least 50 closed cases with a text; there are 10"):
        call_command("triage_train", "--min-cases", "50", stdout=StringIO())
    assert not TriageModel.objects.exists()


def test_the_monthly_retraining_trains_once_a_month(calendar, settings):
    settings.TRIAGE_MIN_CASES = 50
    t.closed_cases(60)
    first_of_may = datetime.datetime(2026, 5, 1, 3, 30, tzinfo=datetime.UTC)
    model = services.triage_monthly_retrain(now=first_of_may)
    assert model.trigger == "monthly" and model.period == "2026-05"
    # a second run in the same month does nothing new
    assert services.triage_monthly_retrain(now=first_of_may + datetime.timedelta(days=3)) is None
    assert TriageModel.objects.count() == 1
    # the next month trains again
    assert services.triage_monthly_retrain(now=first_of_may + datetime.timedelta(days=31)).period == "2026-06"


def test_a_manual_training_counts_as_the_months_model(calendar, settings):
    settings.TRIAGE_MIN_CASES = 50
    t.closed_cases(60)
    services.triage_model_train()
    assert services.triage_monthly_retrain() is None
    assert TriageModel.objects.count() == 1


def test_the_monthly_retraining_with_too_few_cases_does_nothing(calendar, settings):
    settings.TRIAGE_MIN_CASES = 50
    t.closed_cases(10)
    assert services.triage_monthly_retrain() is None
    assert not TriageModel.objects.exists()


def test_two_monthly_models_for_one_month_cannot_be_stored(model):
    TriageModel.objects.filter(pk=model.pk).update(trigger="monthly")
    with pytest.raises(IntegrityError), transaction.atomic():
        TriageModel.objects.create(period=model.period, trigger="monthly", training_size=1, metrics={},
                                   parameters={}, weights=b"", weights_sha256="0" * 64)


def test_the_monthly_task_returns_the_new_version_and_then_nothing(calendar, settings):
    from cases.triage.tasks import triage_monthly_retrain

    settings.TRIAGE_MIN_CASES = 50
    t.closed_cases(60)
    version = triage_monthly_retrain.apply().get()
    assert version == TriageModel.objects.get().version
    assert triage_monthly_retrain.apply().get() is None


def test_the_newest_version_is_used_from_the_next_suggestion_on(trained, settings):
    text = "理赔被拒，等待期内确诊甲状腺癌"
    assert selectors.triage_suggest(text)["version"] == trained.version
    newer = services.triage_model_train()
    assert selectors.triage_suggest(text)["version"] == newer.version > trained.version


def test_an_unreadable_model_gives_no_suggestion(model, caplog):
    TriageModel.objects.filter(pk=model.pk).update(weights=b"garbage", weights_sha256="1" * 64)
    assert selectors.triage_suggest("理赔被拒，等待期内确诊甲状腺癌") is None
    assert "cannot be read" in caplog.text


def test_no_model_or_too_little_text_gives_no_suggestion(model):
    assert selectors.triage_suggest("理赔") is None
    TriageModel.objects.all().delete()
    assert selectors.triage_suggest("理赔被拒，等待期内确诊甲状腺癌") is None


def test_inactive_departments_are_not_suggested(model):
    from cases.models import Department

    text = "业务员夸大收益，说是存款，要求全额退保"
    first = selectors.triage_suggest(text)["targets"]["department"][0][0]
    Department.objects.filter(code=first).update(active=False)
    assert first not in [code for code, _s in selectors.triage_suggest(text)["targets"]["department"]]


def test_a_suggestion_is_recorded_once_per_case_with_what_the_clerk_took(model, people):
    # given a case registered with the model's first category and another dispute type
    text = "业务员夸大收益，说是存款，要求全额退保"
    top = selectors.triage_suggest(text)["targets"]
    other_dispute = next(v for v in ("other", "renewal") if v != top["dispute_type"][0][0])
    case = f.ComplaintFactory(intake={"summary": text, "description": ""})
    chosen = {"category": top["category"][0][0], "dispute_type": other_dispute, "department": ""}
    # when the suggestion is recorded (twice: a retried task)
    record = services.triage_suggestion_record(case_id=case.pk, chosen=chosen)
    assert services.triage_suggestion_record(case_id=case.pk, chosen=chosen) == record
    # then the case keeps the model version, the top three per target and what was taken
    record = TriageSuggestion.objects.get(case=case)
    assert record.model_id == model.version
    assert record.ranked["category"][0][0] == top["category"][0][0] and len(record.ranked["dispute_type"]) == 3
    assert (record.category_accepted, record.dispute_type_accepted, record.department_accepted) == (True, False, None)


def test_the_record_is_scheduled_after_the_registration_commits(model, people, django_capture_on_commit_callbacks,
                                                                 monkeypatch):
    queued = []
    monkeypatch.setattr("cases.triage.tasks.triage_record_suggestion.delay", lambda *args: queued.append(args))
    case = f.ComplaintFactory()
    chosen = {"category": "service", "dispute_type": "", "department": ""}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_suggestion_after_commit(case=case, chosen=chosen)
    assert queued == [] and not TriageSuggestion.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    assert queued == [(case.pk, chosen)]


def test_with_the_broker_unreachable_the_record_is_written_in_line(model, people, django_capture_on_commit_callbacks,
                                                                   monkeypatch, caplog):
    def unreachable(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr("cases.triage.tasks.triage_record_suggestion.delay", unreachable)
    case = f.ComplaintFactory(intake={"summary": "客服热线打了一上午没人接", "description": ""})
    with django_capture_on_commit_callbacks(execute=True):
        record_suggestion_after_commit(case=case, chosen={"category": "service", "dispute_type": "", "department": ""})
    assert TriageSuggestion.objects.get(case=case).model_id == model.version
    assert "recorded in-line" in caplog.text


def test_the_record_task_is_idempotent_and_skips_a_missing_case(model, people):
    from cases.triage.tasks import triage_record_suggestion

    case = f.ComplaintFactory(intake={"summary": "客服热线打了一上午没人接", "description": ""})
    chosen = {"category": "service", "dispute_type": "service", "department": ""}
    first = triage_record_suggestion.apply(args=(case.pk, chosen)).get()
    assert triage_record_suggestion.apply(args=(case.pk, chosen)).get() == first
    assert TriageSuggestion.objects.count() == 1
    assert triage_record_suggestion.apply(args=(10**9, chosen)).get() is None
