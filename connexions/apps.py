from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnexionsConfig(AppConfig):
    name = "connexions"
    verbose_name = _("Connexions: programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from connexions import signals  # noqa: F401
