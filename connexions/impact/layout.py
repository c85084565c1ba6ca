"""How the dashboard's figures are laid out: key figures, tables (also the CSV exports), charts,
grouped in sections."""

from dataclasses import dataclass, field

from connexions.impact.cells import COUNT, Cell


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: str
    cell: Cell
    basis: str = ""  # what it is counted over, said in words
    basis_cell: Cell | None = None  # how many that is


@dataclass(frozen=True)
class Table:
    key: str  # also the CSV's name
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    wide: bool = False  # the page gives it the full width

    def export_rows(self):
        """Rows for the CSV: numbers stay numbers, small groups become "masqué"."""
        return [[cell.shown(protect=True) for cell in row] for row in self.rows]


@dataclass(frozen=True)
class Series:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    labels: list[str]
    series: list[Series]
    unit: str = COUNT  # COUNT, RATE, MONEY or HOURS
    horizontal: bool = False
    wide: bool = False

    def as_json(self) -> dict:
        """What the page's script draws (Chart.js), with the exact figures."""
        return {
            "type": "bar",
            "horizontal": self.horizontal,
            "unit": self.unit,
            "labels": self.labels,
            "datasets": [
                {"label": s.label, "data": [c.as_number() for c in s.cells]} for s in self.series
            ],
        }


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str = ""
    figures: list[KeyFigure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
