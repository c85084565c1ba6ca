from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Workshops")

    def ready(self):
        from beneficiaries.privacy import PersonData, register_person_data
        from beneficiaries.sections import (
            FileSection,
            register_file_section,
            register_referral_outcome_provider,
        )
        from connexions.registry import NavEntry, register_nav
        from workshops import models, perms, person_data, selectors

        self.register_appointments()

        register_nav(
            NavEntry(
                key="workshops",
                label=_("Workshops"),
                url_name="workshops:week",
                icon="easel",
                order=30,
                visible=perms.may_run_workshops,
            )
        )
        register_file_section(
            FileSection(
                key="workshops",
                title=_("Workshops"),
                order=40,
                template="workshops/file_section.html",
                context=lambda beneficiary, user: {
                    "registrations": selectors.beneficiary_registrations(beneficiary)
                },
                visible=perms.may_run_workshops,
            )
        )
        register_referral_outcome_provider("workshops.attendance", selectors.attended_outcomes)
        register_person_data(
            PersonData(
                key="workshops.registrations",
                title=_("Workshops"),
                models=(models.Registration, models.Notification),
                last_contact=person_data.last_contact,
                export=person_data.export,
                anonymise=person_data.anonymise,
                order=40,
            )
        )

    def register_appointments(self):
        """The agendas' entries: navigation, the file's section, the "book" buttons of the
        referral inbox and of the lists of follow-ups and mediation actions due, and the
        appointments a social worker may see on their referral."""
        from django.urls import reverse
        from django.utils.http import urlencode

        from beneficiaries.privacy import PersonData, register_person_data
        from beneficiaries.sections import (
            FileSection,
            RowAction,
            register_file_section,
            register_referral_outcome_provider,
            register_row_action,
        )
        from connexions.registry import NavEntry, register_nav
        from workshops import appointment_privacy, appointment_selectors, models, perms

        def book_url(**query):
            return reverse("appointments:book") + "?" + urlencode(query)

        register_nav(
            NavEntry(
                key="appointments",
                label=_("Appointments"),
                url_name="appointments:day",
                icon="calendar-check",
                order=25,
                visible=perms.may_book_appointments,
            )
        )
        register_file_section(
            FileSection(
                key="appointments",
                title=_("Appointments"),
                order=35,
                template="workshops/appointments/file_section.html",
                context=lambda beneficiary, user: appointment_selectors.file_context(beneficiary),
                visible=perms.may_book_appointments,
            )
        )
        for place, label, url in (
            ("referral_inbox", _("Propose an appointment"), lambda r: book_url(orientation=r.pk)),
            (
                "follow_ups_due",
                _("Book an appointment"),
                lambda f: book_url(beneficiaire=f.beneficiary_id, type="follow_up"),
            ),
            (
                "mediation_actions_due",
                _("Book an appointment"),
                lambda c: book_url(beneficiaire=c.beneficiary_id, type="mediation"),
            ),
        ):
            register_row_action(
                place,
                RowAction(
                    key="appointments",
                    label=label,
                    icon="calendar-plus",
                    url=url,
                    visible=perms.may_book_appointments,
                ),
            )
        register_referral_outcome_provider(
            "workshops.appointments", appointment_selectors.appointment_outcomes
        )
        register_person_data(
            PersonData(
                key="workshops.appointments",
                title=_("Appointments"),
                models=(models.Appointment, models.AppointmentMessage),
                last_contact=appointment_privacy.last_contact,
                export=appointment_privacy.export,
                anonymise=appointment_privacy.anonymise,
                order=45,
            )
        )
