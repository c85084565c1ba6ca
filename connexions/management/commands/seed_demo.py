import sys

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules
from django_otp.plugins.otp_totp.models import TOTPDevice

from connexions import twofactor
from connexions.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Creates or refreshes the demo data (idempotent: running it twice gives the same rows)."

    def handle(self, *args, **options):
        autodiscover_modules("demo")
        # INSTALLED_APPS lists the apps in dependency order, so each seed finds what it needs.
        # No transaction around them: seeds go through the apps' services, whose entry points
        # are durable transactions; each seed is idempotent, so a rerun completes a partial one.
        for app_config in apps.get_app_configs():
            module = sys.modules.get(f"{app_config.name}.demo")
            if module is not None and hasattr(module, "seed"):
                module.seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for email, role in DEMO_LOGINS:
            self.stdout.write(f"  {email:<34} {role}")
        device = TOTPDevice.objects.filter(user__email=DEMO_ADMIN, key=twofactor.DEMO_KEY).first()
        if device is not None:
            self.stdout.write(
                f"Second factor of {DEMO_ADMIN}: add this key to an authenticator app\n"
                f"  {twofactor.secret_text(device)}\n"
                f"  (or open {device.config_url})\n"
                "  It is RFC 6238's public test key: refused whenever DEBUG is off."
            )


DEMO_ADMIN = "admin@demo.connexions.fr"
DEMO_LOGINS = [
    (DEMO_ADMIN, "programme admin"),
    ("conseiller@demo.connexions.fr", "counsellor, Paris 19e"),
    ("responsable@demo.connexions.fr", "site manager, Paris 19e and Paris 14e"),
    ("ts.ccas@demo.connexions.fr", "social worker, CCAS de Saint-Denis"),
    ("ts.pimms@demo.connexions.fr", "social worker, PIMMS d'Antony"),
]
