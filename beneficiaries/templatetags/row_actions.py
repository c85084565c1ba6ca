"""`{% row_actions "referral_inbox" referral %}`: the buttons other apps registered for a row."""

from django import template
from django.utils.html import format_html, format_html_join

from beneficiaries.sections import row_actions as registered

register = template.Library()


@register.simple_tag(takes_context=True)
def row_actions(context, place, obj):
    user = context["request"].user
    return format_html_join(
        " ",
        '<a class="btn btn-sm btn-outline-primary" href="{}"><i class="bi bi-{}" '
        'aria-hidden="true"></i> {}</a>',
        ((action.url(obj), action.icon, action.label) for action in registered(place, user)),
    ) or format_html("")
