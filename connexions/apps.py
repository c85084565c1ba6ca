from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnexionsConfig(AppConfig):
    name = "connexions"
    verbose_name = _("Connexions: programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from connexions import signals  # noqa: F401
        from connexions.perms import Action, can
        from connexions.registry import NavEntry, register_nav

        register_nav(
            NavEntry(
                key="impact",
                label=_("Impact"),
                url_name="impact:dashboard",
                icon="bar-chart-line",
                order=90,
                visible=lambda user: can(user, Action.VIEW_IMPACT),
            )
        )
        register_nav(
            NavEntry(
                key="members",
                label=_("Pending requests"),
                url_name="onboarding:requests",
                icon="person-plus",
                order=80,
                # Referents; programme admins find it in their user menu (the menu bar is full).
                visible=lambda user: (
                    can(user, Action.MANAGE_MEMBERS) and not user.is_programme_admin
                ),
            )
        )
