"""The texts sent to people about their workshops (SMS or e-mail), in the site's language."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from workshops.enums import MessageKind


def session_facts(session) -> dict[str, str]:
    start = timezone.localtime(session.starts_at)
    site = session.site
    return {
        "topic": session.topic.title,
        "date": formats.date_format(start, "l j F Y"),
        "time": formats.time_format(start, "G\\hi"),
        "site": site.name,
        "address": f"{site.address}, {site.postal_code} {site.city}",
        "room": session.room,
    }


def message_for(kind: str, registration, *, email: bool = False) -> tuple[str, str]:
    """(subject, text) of a message of `kind` about `registration`; the e-mail text greets the
    person and signs."""
    facts = session_facts(registration.session)
    if kind == MessageKind.REMINDER:
        subject = _("Reminder: workshop on %(date)s") % facts
        text = (
            _(
                "Connexions: reminder of your workshop “%(topic)s” on %(date)s at %(time)s, "
                "%(site)s, %(address)s."
            )
            % facts
        )
    elif kind == MessageKind.PROMOTED:
        subject = _("A seat is free for you: workshop on %(date)s") % facts
        text = (
            _(
                "Connexions: a seat has become free, you are registered for the workshop "
                "“%(topic)s” on %(date)s at %(time)s, %(site)s, %(address)s."
            )
            % facts
        )
    else:
        subject = _("Workshop cancelled: %(date)s") % facts
        text = (
            _(
                "Connexions: the workshop “%(topic)s” on %(date)s at %(time)s at %(site)s is "
                "cancelled. We will contact you again."
            )
            % facts
        )
    if facts["room"] and kind != MessageKind.SESSION_CANCELLED:
        text += " " + _("Room: %(room)s.") % facts
    if email:
        text = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": registration.beneficiary.first_name},
                text,
                _("The Connexions team"),
            ]
        )
    return subject, text
