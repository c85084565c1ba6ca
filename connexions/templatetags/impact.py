from django import template

from connexions.impact import format_cell

register = template.Library()


@register.filter
def figure(cell):
    """A dashboard figure in French, exact (the page, for those who may see it)."""
    return format_cell(cell)


@register.filter
def protected_figure(cell):
    """A figure as exported: "< 5" when it is about fewer than 5 people."""
    return format_cell(cell, protect=True)
