"""The PDF's table widths (`Table.header`): its tables have a fixed layout, so the widths come
from what each column shows. A figure never wraps: its column keeps room for the longest one."""

from decimal import Decimal

import pytest

from connexions.impact.cells import count, money, text
from connexions.impact.layout import PDF_CHAR_MM, PDF_PADDING_MM, PDF_WIDTH_MM, Table


def widths(table) -> list[float]:
    header = table.header
    assert [column for column, _kind, _width in header] == list(table.columns)
    shares = [float(width.rstrip("%")) for _column, _kind, width in header]
    assert sum(shares) == pytest.approx(100, abs=0.05)
    return [share * PDF_WIDTH_MM / 100 for share in shares]


def test_a_figure_keeps_room_for_its_longest_value_beside_long_texts():
    amount = money(Decimal("151289744.60"))  # "151 289 744,60 €": 16 characters
    long_text = text("personnes suivies sur la période avec une dépense à l'inscription " * 2)
    table = Table(
        "t",
        "T",
        ("Indicateur", "Valeur", "Compté", "Nombre compté", "Sur", "Effectif"),
        [(text("Aide totale apportée"), amount, long_text, count(12), long_text, count(714294))],
    )
    label, value, counted, number, over, basis = widths(table)
    assert value >= 16 * PDF_CHAR_MM + PDF_PADDING_MM - 0.1  # the shares are rounded
    assert basis >= 8 * PDF_CHAR_MM + PDF_PADDING_MM - 0.1  # "Effectif", "714 294"
    assert counted == pytest.approx(over) and counted > label  # texts by their length
    assert [kind for _c, kind, _w in table.header] == [
        "text",
        "number",
        "text",
        "number",
        "text",
        "number",
    ]


def test_without_rows_a_label_then_figures_and_a_table_of_figures_only():
    empty = Table("t", "T", ("Point d'accueil", "Ventes", "Montants payés"), [])
    assert [kind for _c, kind, _w in empty.header] == ["text", "number", "number"]
    widths(empty)
    wide = Table("t", "T", tuple(f"Thème {n}" for n in range(12)), [(count(10**6),) * 12])
    assert len(set(widths(wide))) == 1
