from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Till and sales")

    def ready(self):
        from beneficiaries.privacy import PersonData, register_person_data
        from beneficiaries.sections import FileSection, register_file_section
        from connexions.registry import NavEntry, register_nav
        from sales import models, perms, person_data

        register_nav(
            NavEntry(
                key="sales",
                label=_("Till"),
                url_name="sales:till",
                icon="cash-coin",
                order=30,
                visible=perms.may_sell,
            )
        )
        # The file shows what the person bought; no referral outcome is registered, so the
        # social worker who referred them learns nothing about their purchases.
        register_file_section(
            FileSection(
                key="purchases",
                title=_("Purchases"),
                order=30,
                template="sales/file_section.html",
                context=perms.purchases_context,
                visible=perms.may_see_purchases,
            )
        )
        register_person_data(
            PersonData(
                key="sales.purchases",
                title=_("Purchases"),
                models=(models.Sale, models.Refund),
                last_contact=person_data.last_contact,
                export=person_data.export,
                anonymise=person_data.anonymise,
                order=30,
            )
        )
