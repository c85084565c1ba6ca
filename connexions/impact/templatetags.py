"""The `impact` template library (`{% load impact %}`): figures in French, exact or protected.

`connexions.impact` is a package of the core app, not an app of its own, so Django's search of
each app's `templatetags/` would not find this module: settings name it in
`TEMPLATES[0]["OPTIONS"]["libraries"]`."""

from django import template

from connexions.impact.cells import format_cell, small_group_note

register = template.Library()


@register.filter
def figure(cell):
    """A dashboard figure in French, exact (the page, for those who may see it)."""
    return format_cell(cell)


@register.filter
def protected_figure(cell):
    """A figure as exported: "masqué" when it is about fewer than 5 people."""
    return format_cell(cell, protect=True)


@register.simple_tag(name="small_group_note")
def small_group_note_tag():
    """ "masqué : moins de 5 personnes concernées", under what shows "masqué"."""
    return small_group_note()
