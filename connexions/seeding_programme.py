"""The programme-scale demo (`seed_demo --scale programme`): about 4,200 people since the launch
across the 7 sites, so the impact dashboard can be judged on data shaped like the programme's.

It is the scale seeder's plan (`connexions/bulk.py`, docs/architecture.md "Data at scale") at the
programme's size, with `demo` on: each app's `scale.py` writes its share through the one bulk
writer (people at the published rates with their follow-ups, support and mediation; a year of
purchases each, some refunded, hashed by the till's journal code; a few workshops each; the
partners and their grants). Then the dashboard's own report is computed over the whole programme
and set beside the press kit's figures (`PUBLISHED`)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from connexions.bulk import BulkWriter, ScalePlan, empty_database_refusal, run_scale, scale_modules
from connexions.impact.report import impact_report
from connexions.periods import Period

PEOPLE = 4_200
YEARS = 4
SALE_LINES_PER_PERSON = 8

# The press kit's figures, counted as docs/architecture.md says ("How the published figures are
# counted"), by the dashboard's key-figure keys: percentages, then EUR a month (the reduction is
# entry minus latest spending, so it is published as 27).
PUBLISHED = {
    "no_mobile": Decimal(20),
    "prepaid": Decimal(87),
    "job_seeking": Decimal(67),
    "computer": Decimal(55),
    "internet": Decimal(48),
    "spending": Decimal(35),
    "reduction": Decimal(27),
}
TOLERANCE = Decimal(2)


class SeedRefused(Exception):
    """The database already holds what the demo would write."""


@dataclass(frozen=True)
class Comparison:
    key: str
    published: Decimal
    seeded: Decimal | None

    @property
    def holds(self) -> bool:
        return self.seeded is not None and abs(self.seeded - self.published) <= TOLERANCE


def seed_programme(
    *, people: int = PEOPLE, years: int = YEARS, seed: int = 2026, report=lambda line: None
) -> tuple[BulkWriter, float]:
    """Writes the demo into an empty database (after migrate). Returns the writer (rows
    written per model) and the seconds taken."""
    modules = scale_modules()
    refusal = empty_database_refusal(modules)
    if refusal:
        raise SeedRefused(refusal)
    plan = ScalePlan(
        people=people,
        sale_lines=people * SALE_LINES_PER_PERSON,
        years=years,
        seed=seed,
        demo=True,
    )
    writer = BulkWriter()
    return writer, run_scale(plan, writer, modules, report=report)


def programme_period(years: int = YEARS, today: date | None = None) -> Period:
    """The whole programme as a dashboard period: the plan's years up to today."""
    today = today or timezone.localdate()
    return Period(ScalePlan(people=0, sale_lines=0, years=years, today=today).start, today)


def compare_with_published(period: Period) -> list[Comparison]:
    """The dashboard's figures for `period` (its own report, every site and agency) beside the
    published ones."""
    figures = {f.key: f.cell.value for f in impact_report(period=period).key_figures}
    return [Comparison(key, published, figures.get(key)) for key, published in PUBLISHED.items()]
