import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """The explanations' texts are asserted in English."""
    with translation.override("en"):
        yield
