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
