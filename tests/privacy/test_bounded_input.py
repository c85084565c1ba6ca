"""Every free-text field has a length limit, in its form and in the database."""

import pghistory.models
import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction

from beneficiaries.forms import SupportSessionForm
from connexions.text import FREE_TEXT_MAX_LENGTH
from tests.beneficiaries.factories import SupportSessionFactory

PROJECT_APPS = ("connexions", "beneficiaries", "catalogue", "sales", "workshops")


def test_every_text_column_of_the_project_is_bounded():
    unbounded = [
        f"{model._meta.label}.{field.name}"
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
        # History rows are copies written by triggers, bounded by the rows they copy.
        if not issubclass(model, pghistory.models.Event)
        for field in model._meta.concrete_fields
        if isinstance(field, models.TextField) and not field.max_length
    ]
    assert unbounded == []


def test_the_database_and_the_form_refuse_a_note_too_long(db):
    session = SupportSessionFactory()
    session.notes = "x" * (FREE_TEXT_MAX_LENGTH + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()
    form = SupportSessionForm(
        data={
            "date": "2026-01-05",
            "topics": ["reading_bill"],
            "duration_minutes": 30,
            "notes": "x" * (FREE_TEXT_MAX_LENGTH + 1),
        }
    )
    assert not form.is_valid() and "notes" in form.errors
