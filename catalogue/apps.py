from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Catalogue and stock")

    def ready(self):
        from catalogue import perms
        from connexions.registry import HomeWidget, NavEntry, register_home_widget, register_nav

        register_nav(
            NavEntry(
                key="catalogue",
                label=_("Catalogue"),
                url_name="catalogue:product_list",
                icon="box-seam",
                order=40,
                visible=perms.may_view_catalogue,
            )
        )
        register_home_widget(
            HomeWidget(
                key="catalogue_low_stock",
                title=_("Low stock"),
                order=30,
                template="catalogue/widgets/low_stock.html",
                visible=perms.may_see_low_stock,
                context=perms.low_stock_context,
            )
        )
