from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = _("Beneficiaries")

    def ready(self):
        from beneficiaries import models, offers, outcomes, person_data, widgets
        from beneficiaries.privacy import PersonData, register_person_data
        from beneficiaries.sections import (
            FileSection,
            register_file_section,
            register_referral_outcome_provider,
        )
        from connexions.perms import Action, can
        from connexions.registry import NavEntry, register_home_widget, register_nav

        register_nav(
            NavEntry(
                key="referrals",
                label=_("Referrals"),
                url_name="referrals:home",
                icon="send",
                order=10,
                visible=lambda user: can(user, Action.REFER) or can(user, Action.SUPPORT),
            )
        )
        register_nav(
            NavEntry(
                key="beneficiaries",
                label=_("Beneficiaries"),
                url_name="beneficiaries:search",
                icon="people",
                order=20,
                visible=lambda user: can(user, Action.SUPPORT),
            )
        )
        register_home_widget(widgets.SITE_TODO)
        register_home_widget(widgets.AGENCY_REFERRALS)
        register_referral_outcome_provider("beneficiaries.enrolment", outcomes.enrolment_outcomes)
        register_referral_outcome_provider("beneficiaries.mediation", outcomes.mediation_outcomes)
        register_person_data(
            PersonData(
                key="beneficiaries.file",
                title=_("Beneficiary file"),
                models=(
                    models.Beneficiary,
                    models.Referral,
                    models.Consent,
                    models.SupportSession,
                    models.FollowUp,
                    models.MediationCase,
                    models.MediationNote,
                ),
                last_contact=person_data.last_contact,
                export=person_data.export,
                anonymise=person_data.anonymise,
                # Last: the file's own row is anonymised once the other apps are done.
                order=1000,
            )
        )
        register_person_data(
            PersonData(
                key="beneficiaries.offers",
                title=_("Offers subscribed with help"),
                models=(offers.OfferSubscription,),
                last_contact=offers.last_contact,
                export=offers.export,
                anonymise=offers.anonymise,
                order=20,
            )
        )
        register_file_section(
            FileSection(
                key="offers",
                title=_("Offers subscribed with help"),
                order=15,
                template="beneficiaries/offers_section.html",
                context=offers.file_section_context,
            )
        )
