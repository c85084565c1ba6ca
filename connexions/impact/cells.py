"""One figure of the impact dashboard (`Cell`), its French display, and the small-group rule.

Small-group rule: a figure about fewer than `SMALL_GROUP_THRESHOLD` people is shown as "masqué"
(with the note "moins de 5 personnes concernées"; never "< 5", read as a percentage, nor "—",
which means no data) in the exports and the PDF, so that nobody can be singled out. A count of 1
to 4 people is hidden; so is a share or an average whose group (or, for a share, whose counted
part) is that small, since the hidden count could otherwise be worked out from it. Zero singles
out nobody and is shown.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext

from connexions.numbers import percentage

COUNT = "count"
RATE = "rate"
MONEY = "money"
HOURS = "hours"
TEXT = "text"


def small_group_label() -> str:
    return gettext("masked")


def small_group_note() -> str:
    """What "masqué" means, said under every export, table or chart that shows it."""
    return gettext("%(label)s: fewer than %(threshold)s people concerned") % {
        "label": small_group_label(),
        "threshold": settings.SMALL_GROUP_THRESHOLD,
    }


def _trimmed(rate: Decimal | None) -> Decimal | None:
    """A whole percentage without its decimal (`20 %`, not `20,0 %`)."""
    if rate is None or rate != rate.to_integral_value():
        return rate
    return rate.quantize(Decimal(1))


@dataclass(frozen=True)
class Cell:
    """One figure. `groups` are the sizes of the groups of people it tells about."""

    value: object
    kind: str = TEXT
    groups: tuple[int, ...] = ()

    @property
    def is_small(self) -> bool:
        return any(0 < n < settings.SMALL_GROUP_THRESHOLD for n in self.groups)

    def shown(self, *, protect: bool):
        """The value, or "masqué" for a small group when `protect` (exports and PDF)."""
        return small_group_label() if protect and self.is_small else self.value

    def as_number(self) -> float | None:
        """For charts on the page (display only; money stays Decimal everywhere else)."""
        return None if self.value is None else float(self.value)


def text(value) -> Cell:
    return Cell(value)


def people(n: int) -> Cell:
    return Cell(n, COUNT, (n,))


def count(n: int, *, about_people: int | None = None) -> Cell:
    """A count of things (cases, sales) about `about_people` people when known."""
    return Cell(n, COUNT, () if about_people is None else (about_people,))


def share(part: int, whole: int) -> Cell:
    return Cell(_trimmed(percentage(part, whole)), RATE, (part, whole))


def rate(value: Decimal | None, *, over: int) -> Cell:
    """A percentage worked out from amounts (a relative reduction) about `over` people."""
    return Cell(_trimmed(value), RATE, (over,))


def hours(value: Decimal, *, over: int) -> Cell:
    return Cell(value, HOURS, (over,))


def money(amount: Decimal | None, *, over: int | None = None) -> Cell:
    """An amount (an average or a total) over `over` people when it is about people."""
    return Cell(amount, MONEY, () if over is None else (over,))


def format_cell(cell: Cell, *, protect: bool = False) -> str:
    """French display of a figure: `4 200`, `20 %`, `66,7 %`, `35,00 €`, `—` when none."""
    value = cell.shown(protect=protect)
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if cell.kind == COUNT:
        return formats.number_format(value, force_grouping=True)
    if cell.kind == RATE:
        return f"{formats.number_format(value, force_grouping=True)}\u00a0%"
    if cell.kind == MONEY:
        return f"{formats.number_format(value, 2, force_grouping=True)}\u00a0€"
    if cell.kind == HOURS:
        return f"{formats.number_format(value, 1, force_grouping=True)}\u00a0h"
    return str(value)
