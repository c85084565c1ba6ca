from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Workshops")

    def ready(self):
        from beneficiaries.sections import (
            FileSection,
            register_file_section,
            register_referral_outcome_provider,
        )
        from connexions.registry import NavEntry, register_nav
        from workshops import perms, selectors

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
