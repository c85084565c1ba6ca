from django.core.management.base import BaseCommand, CommandError

from connexions.bulk import BulkWriter, ScalePlan, empty_database_refusal, run_scale, scale_modules


class Command(BaseCommand):
    help = (
        "Builds a large generated data set in an empty database (after migrate): the demo sites, "
        "logins and catalogue, then PEOPLE beneficiaries and about SALE_LINES sale lines over "
        "three years, written in bulk. The till journals and the stock ledger check out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=1_000_000)
        parser.add_argument(
            "--sale-lines", type=int, help="about how many sale lines (default: 10 per person)"
        )
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

    def handle(self, *args, people, sale_lines, years, seed, **options):
        if people < 1:
            raise CommandError("--people must be at least 1.")
        modules = scale_modules()
        refusal = empty_database_refusal(modules)
        if refusal:
            raise CommandError(refusal)
        plan = ScalePlan(
            people=people,
            sale_lines=people * 10 if sale_lines is None else sale_lines,
            years=years,
            seed=seed,
        )
        writer = BulkWriter()
        elapsed = run_scale(plan, writer, modules, report=self.stdout.write)
        rows = sum(writer.written.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {rows:,} rows in {elapsed:.1f} s "
                f"({elapsed / max(rows, 1) * 1e6:.1f} s per million rows)."
            )
        )
        for label, count in sorted(writer.written.items()):
            self.stdout.write(
                f"  {label:<28} {count:>12,}  {writer.seconds.get(label, 0):8.1f} s in COPY"
            )
