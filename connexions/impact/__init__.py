"""The impact dashboard (/impact/): the programme's figures for a period, sites and an agency,
on a page, in CSV exports and in a PDF.

It is the only part of the core that reads the apps, and only through their `selectors` and
`enums` modules; no app imports it, and the core's URLconf includes it by dotted string
(docs/architecture.md). Nothing is imported here, so that loading one of its modules does not
load the others.

    cells.py       one figure, its French display, the small-group rule
    layout.py      key figures, tables, charts, sections
    report.py      `impact_report()`: every figure, from the apps' aggregate selectors, each read
                   once (`Figures`); `impact_table()`: one table, only its section's figures
    sections/      the section builders
    charts.py      the charts as SVG, for the PDF
    forms.py       the dashboard's filters
    views.py, urls.py
    templatetags.py  the `impact` template library (registered in settings)
"""
