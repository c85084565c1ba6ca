"""Free text has a length limit, in forms and in the database (a field's `max_length` bounds
the form; a check constraint bounds the table, whatever writes to it)."""

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

FREE_TEXT_MAX_LENGTH = 2000


def bounded_text(field: str, max_length: int = FREE_TEXT_MAX_LENGTH) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), max_length),
        name=f"%(app_label)s_%(class)s_{field}_length",
    )
