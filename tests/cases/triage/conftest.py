"""Shared fixtures of the triage tests."""
import pytest

from tests.factories import triage as t


@pytest.fixture(scope="session")
def generated_fit():
    """Classifiers fitted once per test run on 300 generated complaints (no database)."""
    return t.fitted_on_generated(300)


@pytest.fixture
def model(calendar, generated_fit):
    """That fit stored as the model in use, with the departments SALES, CS and CLAIMS."""
    return t.stored_model(generated_fit)


@pytest.fixture
def trained(calendar, settings):
    """A model trained by the service on 300 imported closed cases (the minimum lowered to fit them)."""
    from cases.triage.services import triage_model_train

    settings.TRIAGE_MIN_CASES = 200
    t.closed_cases(300)
    return triage_model_train()
