"""The impact dashboard's appointments section: no-shows by site and kind."""

from django.utils.translation import gettext as _

from connexions.impact.cells import count, share, text
from connexions.impact.layout import Section, Table


def appointments_section(rows) -> Section:
    return Section(
        key="appointments",
        title=_("Appointments"),
        intro=_(
            "Appointments of the period whose outcome is known: the person came (arrived or "
            "done) or did not come. Cancelled and moved appointments are not counted."
        ),
        tables=[
            Table(
                "rendez-vous-absences",
                _("Appointments: no-shows by site and kind"),
                (
                    _("Reception site"),
                    _("Kind"),
                    _("Appointments held or missed"),
                    _("No-shows"),
                    _("No-show rate"),
                ),
                [
                    (
                        text(row["site"]),
                        text(row["kind"]),
                        count(row["settled"]),
                        count(row["no_shows"]),
                        share(row["no_shows"], row["settled"]),
                    )
                    for row in rows
                ],
            )
        ],
    )
