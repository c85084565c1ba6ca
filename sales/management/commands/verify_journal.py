from django.core.management.base import BaseCommand, CommandError

from connexions.models import ReceptionSite
from sales.journal import verify_site_journal


class Command(BaseCommand):
    help = (
        "Checks each site's hash-chained till journal; reports the first broken link and exits "
        "non-zero if one is found."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", type=int, help="only this site (id)")

    def handle(self, *args, site=None, **options):
        sites = ReceptionSite.objects.order_by("pk")
        if site is not None:
            sites = sites.filter(pk=site)
        broken = []
        for reception_site in sites:
            link = verify_site_journal(reception_site)
            if link is None:
                self.stdout.write(f"{reception_site.name}: OK")
            else:
                broken.append(link)
                self.stderr.write(
                    f"{reception_site.name}: broken at entry {link.number} ({link.reason})"
                )
        if broken:
            raise CommandError(f"{len(broken)} journal(s) broken.")
        self.stdout.write(self.style.SUCCESS("Every journal is intact."))
