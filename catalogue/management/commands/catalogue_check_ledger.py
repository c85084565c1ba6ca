from django.core.management.base import BaseCommand, CommandError

from catalogue.selectors import ledger_discrepancies
from connexions.models import ReceptionSite


class Command(BaseCommand):
    help = "Checks that each site's stock equals its ledger (exits non-zero on a difference)."

    def handle(self, *args, **options):
        problems = {
            site.name: found
            for site in ReceptionSite.objects.order_by("name")
            if (found := ledger_discrepancies(site))
        }
        if problems:
            for site, found in problems.items():
                for product_id, (ledger, stock) in found.items():
                    self.stderr.write(
                        f"{site}: product {product_id}: ledger {ledger}, stock {stock}"
                    )
            raise CommandError("Stock and ledger differ.")
        self.stdout.write("Stock and ledger agree at every site.")
