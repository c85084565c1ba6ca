"""The form-errors summary shown at the top of every page whose form has errors (the DSFR and
GOV.UK pattern): one line per error, each a link to its field."""

from dataclasses import dataclass

from django import template
from django.forms.utils import pretty_name

register = template.Library()


@dataclass(frozen=True)
class SummaryLine:
    anchor: str  # the id of the field's input, "" for an error about the whole form
    label: str
    message: str


@register.filter
def error_summary(form) -> list[SummaryLine]:
    """The form's errors in the order of its fields, errors about the whole form first."""
    if not getattr(form, "errors", None):
        return []
    lines = [SummaryLine("", "", str(message)) for message in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name not in form.fields:
            continue
        bound = form[name]
        anchor = "" if bound.is_hidden else bound.id_for_label or bound.auto_id or ""
        label = str(bound.label or pretty_name(name))
        lines.extend(SummaryLine(anchor, label, str(message)) for message in messages)
    return lines
