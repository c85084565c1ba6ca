"""`{% row_actions "referral_inbox" referral %}`: the buttons other apps registered for a row."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from beneficiaries.sections import row_actions as registered

register = template.Library()


def _person_name(obj) -> str:
    """The person a row is about: a referral, or a row of a person's file (follow-up, case)."""
    person = getattr(obj, "beneficiary", obj)
    return getattr(person, "full_name", "")


@register.simple_tag(takes_context=True)
def row_actions(context, place, obj):
    """Each button also names the person, for screen readers ("Prendre rendez-vous pour …")."""
    user = context["request"].user
    name = _person_name(obj)
    for_whom = gettext(" for %(name)s") % {"name": name} if name else ""
    return format_html_join(
        " ",
        '<a class="btn btn-sm btn-outline-primary" href="{}"><i class="bi bi-{}" '
        'aria-hidden="true"></i> {}<span class="visually-hidden">{}</span></a>',
        (
            (action.url(obj), action.icon, action.label, for_whom)
            for action in registered(place, user)
        ),
    ) or format_html("")
