from datetime import datetime

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from workshops.enums import AppointmentKind, AppointmentStatus


class KindForm(forms.Form):
    """Which kind of appointment, and from which day to look for slots (GET)."""

    type = forms.ChoiceField(label=_("Kind"), choices=AppointmentKind.choices)
    a_partir_du = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def slot_label(slot) -> str:
    start = timezone.localtime(slot.starts_at)
    return _("%(day)s at %(time)s with %(counsellor)s") % {
        "day": formats.date_format(start, "l j F"),
        "time": formats.time_format(start, "G\\hi"),
        "counsellor": slot.counsellor.get_full_name(),
    }


class SlotForm(forms.Form):
    """One of the free slots proposed (POST)."""

    slot = forms.CharField(
        label=_("Free slots"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a slot.")},
    )

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].widget.choices = [(slot.key, slot_label(slot)) for slot in slots]

    def clean_slot(self):
        # A slot shown a moment ago may be gone: the booking service says so in clear.
        parsed = self.parse(self.cleaned_data["slot"])
        if parsed is None:
            raise forms.ValidationError(_("Choose a slot."))
        return parsed

    @staticmethod
    def parse(key: str) -> tuple[int, datetime] | None:
        """(counsellor id, start) of a slot key, or None when it is not one."""
        counsellor, _sep, start = key.partition("@")
        try:
            when = datetime.fromisoformat(start)
        except ValueError:
            return None
        if not counsellor.isdigit() or when.tzinfo is None or not 1900 <= when.year <= 2199:
            return None
        return int(counsellor), when


# Statuses offered as buttons on an appointment, in the order shown.
STATUS_BUTTONS = [
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.DONE,
    AppointmentStatus.NO_SHOW,
    AppointmentStatus.CANCELLED_BY_PERSON,
    AppointmentStatus.CANCELLED_BY_SITE,
]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(s.value, s.label) for s in STATUS_BUTTONS])
