"""How the dashboard's figures are laid out: key figures, tables (also the CSV exports), charts,
grouped in sections."""

from dataclasses import dataclass, field

from connexions.impact.cells import COUNT, TEXT, Cell, format_cell, small_group_note


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: str
    cell: Cell
    basis: str = ""  # what it is counted over (the denominator), said in words
    basis_cell: Cell | None = None  # how many that is
    counted: str = ""  # what is counted (the numerator), said in words
    counted_cell: Cell | None = None  # how many that is

    @property
    def definition(self) -> str:
        """Numerator / denominator in words (the page's tooltip, the PDF's methodology)."""
        if self.counted and self.basis:
            return f"{self.counted} / {self.basis}"
        return self.counted or self.basis


# The reports' PDF (static/css/report.css): the width of a page's text (A4 less 15 mm margins),
# about one character of a figure at 9 pt, and a cell's padding.
PDF_WIDTH_MM = 180
PDF_CHAR_MM = 1.9
PDF_PADDING_MM = 4


@dataclass(frozen=True)
class Table:
    key: str  # also the CSV's name
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    wide: bool = False  # the page gives it the full width
    note: str = ""  # how it is counted, under its title (the partner report)

    @property
    def has_small_group(self) -> bool:
        """Whether an export of it shows "masqué" somewhere (and so says what it means)."""
        return any(cell.is_small for row in self.rows for cell in row)

    @property
    def header(self) -> list[tuple[str, str, str]]:
        """(column, "text" or "number", width in % of the page) for the PDF, whose tables have
        a fixed layout (static/css/report.css): nothing is measured there, so the widths are
        worked out here from what each column shows. A number column (at least one figure in
        it) keeps the width of its longest figure or header word, since a figure never wraps;
        text columns, which wrap, share the rest in proportion to their longest text (up to
        40 characters), 15 mm at least each; a table too wide for that is shared out
        proportionally."""
        kinds, wanted = [], []
        for index, column in enumerate(self.columns):
            cells = [row[index] for row in self.rows]
            number = any(c.kind != TEXT for c in cells) or (not cells and index > 0)
            longest = max(
                [len(word) for word in str(column).split()]
                + [len(format_cell(c, protect=True)) for c in cells]
                + [1]
            )
            if not number:
                longest = min(longest, 40)
            kinds.append("number" if number else "text")
            wanted.append(longest * PDF_CHAR_MM + PDF_PADDING_MM)
        figures = sum(w for w, k in zip(wanted, kinds, strict=True) if k == "number")
        texts = sum(w for w, k in zip(wanted, kinds, strict=True) if k == "text")
        left = PDF_WIDTH_MM - figures
        if texts and left >= 15 * kinds.count("text") and texts > left:
            widths = [
                w if k == "number" else max(15, w / texts * left)
                for w, k in zip(wanted, kinds, strict=True)
            ]
        else:  # it all fits (the room left shared out alike), or nothing does
            widths = wanted
        total = sum(widths)
        return [
            (column, kind, f"{100 * width / total:.2f}%")
            for column, kind, width in zip(self.columns, kinds, widths, strict=True)
        ]

    def export_rows(self):
        """Rows for the CSV: numbers stay numbers, small groups become "masqué", and a last row
        says what "masqué" means when it is used (padded to the columns: the file stays a grid)."""
        rows = [[cell.shown(protect=True) for cell in row] for row in self.rows]
        if self.has_small_group:
            rows.append([small_group_note()] + [""] * (len(self.columns) - 1))
        return rows


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
    reference: Series | None = None  # a reference line (one cell), e.g. a national average

    @property
    def has_small_group(self) -> bool:
        return any(cell.is_small for series in self.series for cell in series.cells)

    def as_json(self) -> dict:
        """What the page's script draws (Chart.js): a bar about a small group has no value (the
        chart's note says "masqué"); the reference as a line across the bars."""
        datasets = [
            {"label": s.label, "data": [None if c.is_small else c.as_number() for c in s.cells]}
            for s in self.series
        ]
        if self.reference is not None:
            value = self.reference.cells[0].as_number()
            datasets.append(
                {
                    "type": "line",
                    "label": self.reference.label,
                    "data": [value for _ in self.labels],
                    "borderDash": [6, 4],
                    "pointRadius": 0,
                }
            )
        return {
            "type": "bar",
            "horizontal": self.horizontal,
            "unit": self.unit,
            "labels": self.labels,
            "datasets": datasets,
        }


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str = ""
    figures: list[KeyFigure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
