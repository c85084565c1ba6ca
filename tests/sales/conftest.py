import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _french():
    """Messages checked in French whatever language an earlier test left active."""
    with translation.override("fr"):
        yield
