"""The `impact` template library (`{% load impact %}`): figures in French, small groups masked.

`connexions.impact` is a package of the core app, not an app of its own, so Django's search of
each app's `templatetags/` would not find this module: settings name it in
`TEMPLATES[0]["OPTIONS"]["libraries"]`."""

from django import template

from connexions.impact.cells import format_cell, small_group_note

register = template.Library()


@register.filter
def figure(cell):
    """A figure in French as every rendering shows it (page, CSV, PDF): "masqué" when it is
    about fewer than 5 people (docs/architecture.md, small-group rule)."""
    return format_cell(cell, protect=True)


@register.simple_tag(name="small_group_note")
def small_group_note_tag():
    """ "masqué : moins de 5 personnes concernées", under what shows "masqué"."""
    return small_group_note()
