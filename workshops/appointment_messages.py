"""The texts sent to people about their appointments. An SMS holds one segment (160 GSM-7
characters) and no personal data beyond the first name: accents GSM-7 lacks are transliterated,
then the address, and if need be the end of the site's name, give way."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from connexions.sms import SMS_SEGMENT, fits_one_segment, to_gsm7
from workshops.enums import AppointmentMessageKind


def _facts(appointment) -> dict[str, str]:
    start = timezone.localtime(appointment.starts_at)
    site = appointment.site
    return {
        "first_name": appointment.person_first_name,
        "kind": appointment.get_kind_display().lower(),
        "date": formats.date_format(start, "D j/m"),
        "long_date": formats.date_format(start, "l j F Y"),
        "time": formats.time_format(start, "G\\hi"),
        "site": site.name,
        "address": f"{site.address}, {site.postal_code} {site.city}",
        "phone": site.phone.as_national if site.phone else "",
    }


def _sentence(kind: str, facts: dict) -> str:
    if kind == AppointmentMessageKind.BOOKED:
        return _("%(first_name)s, your appointment (%(kind)s) is on %(date)s at %(time)s") % facts
    if kind == AppointmentMessageKind.RESCHEDULED:
        return (
            _("%(first_name)s, your appointment (%(kind)s) is moved to %(date)s at %(time)s")
            % facts
        )
    if kind == AppointmentMessageKind.CANCELLED:
        return (
            _("%(first_name)s, your appointment (%(kind)s) on %(date)s at %(time)s is cancelled")
            % facts
        )
    return _("%(first_name)s, reminder: appointment (%(kind)s) on %(date)s at %(time)s") % facts


def sms_text(kind: str, appointment) -> str:
    """The SMS, in one segment whatever the site's name and the person's first name."""
    facts = _facts(appointment)
    head = "Connexions : " + _sentence(kind, facts)
    call = (" " + _("Phone: %(phone)s.") % facts) if facts["phone"] else ""
    for site, address in ((facts["site"], facts["address"]), (facts["site"], "")):
        place = f", {site}" + (f", {address}" if address else "")
        text = to_gsm7(f"{head}{place}.{call}")
        if fits_one_segment(text):
            return text
    # Still too long: the site's name is cut to what is left.
    text = to_gsm7(f"{head}, .{call}")
    room = SMS_SEGMENT - len(text)
    site = to_gsm7(facts["site"])[: max(room, 0)].rstrip()
    return to_gsm7(f"{head}, {site}.{call}")[:SMS_SEGMENT]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def email_text(kind: str, appointment) -> tuple[str, str]:
    """(subject, body) of the e-mail; the subject names no one."""
    facts = _facts(appointment)
    subject = {
        AppointmentMessageKind.BOOKED: _("Your appointment on %(long_date)s"),
        AppointmentMessageKind.RESCHEDULED: _("Your appointment is moved to %(long_date)s"),
        AppointmentMessageKind.CANCELLED: _("Your appointment on %(long_date)s is cancelled"),
    }.get(kind, _("Reminder: your appointment on %(long_date)s")) % facts
    lines = [
        _("Hello %(first_name)s,") % facts,
        _capitalised(_sentence(kind, facts).split(", ", 1)[1]) + ".",
        _("Place: %(site)s, %(address)s.") % facts,
    ]
    if facts["phone"]:
        lines.append(_("If you cannot come, call us: %(phone)s.") % facts)
    lines.append(_("The Connexions team"))
    return subject, "\n\n".join(lines)
