import sys

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules
from django_otp.plugins.otp_totp.models import TOTPDevice

from connexions import seeding_programme, twofactor
from connexions.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Creates or refreshes the demo data (idempotent: running it twice gives the same rows). "
        "With --scale programme, builds instead the programme-scale demo (about 4,200 people "
        "since the launch, in bulk) in an empty database, and prints the dashboard's figures "
        "beside the published ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "programme"], default="small")
        parser.add_argument(
            "--people",
            type=int,
            default=seeding_programme.PEOPLE,
            help="people since the launch (--scale programme only)",
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (programme)")

    def handle(self, *args, scale, people, seed, **options):
        if scale == "programme":
            self._programme(people, seed)
        else:
            self._small()
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

    def _programme(self, people, seed):
        if people < 1:
            raise CommandError("--people must be at least 1.")
        try:
            writer, seconds = seeding_programme.seed_programme(
                people=people, seed=seed, report=self.stdout.write
            )
        except seeding_programme.SeedRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        rows = sum(writer.written.values())
        self.stdout.write(
            self.style.SUCCESS(f"Programme-scale demo ready: {rows:,} rows in {seconds:.1f} s.")
        )
        self.stdout.write("The dashboard since the launch, beside the published figures:")
        for row in seeding_programme.compare_with_published(seeding_programme.programme_period()):
            self.stdout.write(
                f"  {row.key:<12} published {row.published:>4}  "
                f"dashboard {row.seeded if row.seeded is not None else '-':>6}"
                f"  {'ok' if row.holds else 'OFF'}"
            )

    def _small(self):
        autodiscover_modules("demo")
        # INSTALLED_APPS lists the apps in dependency order, so each seed finds what it needs.
        # No transaction around them: seeds go through the apps' services, whose entry points
        # are durable transactions; each seed is idempotent, so a rerun completes a partial one.
        for app_config in apps.get_app_configs():
            module = sys.modules.get(f"{app_config.name}.demo")
            if module is not None and hasattr(module, "seed"):
                module.seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))


DEMO_ADMIN = "admin@demo.connexions.fr"
DEMO_LOGINS = [
    (DEMO_ADMIN, "programme admin"),
    ("conseiller@demo.connexions.fr", "counsellor, Paris 19e"),
    ("responsable@demo.connexions.fr", "site manager, Paris 19e and Paris 14e"),
    ("ts.ccas@demo.connexions.fr", "social worker, CCAS de Saint-Denis"),
    ("ts.pimms@demo.connexions.fr", "social worker, PIMMS d'Antony"),
]
