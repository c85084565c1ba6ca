"""Extension points of the beneficiary file and of the referral outcomes, which later apps
(sales, workshops) register into from their `AppConfig.ready`, so this app never imports them.

File sections::

    register_file_section(FileSection(
        key="purchases", title=_("Purchases"), order=30,
        template="sales/file_section.html",
        context=lambda beneficiary, user: {"sales": recent_sales(beneficiary)},
    ))

`context` runs once per file page and should make a fixed number of queries (pin it in your
tests); the template gets `section` (the FileSection), `beneficiary`, `request`, `user`,
`csrf_token` and what `context` returns.
`visible(user)` (optional) hides a section from some users.

Referral outcomes::

    register_referral_outcome_provider("workshops", workshops_attended)

A provider takes a list of referrals (one page of a social worker's list, only those whose
person is enrolled and agreed to share outcomes with the referrer; `referral.beneficiary_id`
is set) and returns `{referral_id: [Outcome(code, label, on), ...]}` in a fixed number of
queries. Outcomes never disclose purchases or notes. Give each outcome its date (`on`): the
referrer only sees outcomes dated on or after the day their referral was accepted (the person
may have been referred before by another agency), and never an undated one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.middleware.csrf import get_token
from django.template.loader import render_to_string


@dataclass(frozen=True)
class FileSection:
    key: str
    title: str
    order: int
    template: str
    context: Callable  # (beneficiary, user) -> dict
    visible: Callable = lambda user: True  # (user) -> bool


@dataclass(frozen=True)
class Outcome:
    code: str  # stable, e.g. "enrolled", "mediation.agreement", "workshops.attended"
    label: str  # shown to the social worker, already translated
    on: date | None = None


_file_sections: dict[str, FileSection] = {}
_outcome_providers: dict[str, Callable] = {}


def register_file_section(section: FileSection) -> None:
    _file_sections[section.key] = section


def unregister_file_section(key: str) -> None:
    _file_sections.pop(key, None)


def render_file_sections(request, beneficiary) -> list[tuple[FileSection, str]]:
    """The visible sections in order, each with its rendered HTML."""
    sections = sorted(_file_sections.values(), key=lambda s: (s.order, s.key))
    return [
        (
            section,
            render_to_string(
                section.template,
                {
                    **section.context(beneficiary, request.user),
                    "section": section,
                    "beneficiary": beneficiary,
                    # Rendered without the context processors (they would query again for the
                    # navigation); what a section may need from the request is given here.
                    "request": request,
                    "user": request.user,
                    "csrf_token": get_token(request),
                },
            ),
        )
        for section in sections
        if section.visible(request.user)
    ]


def register_referral_outcome_provider(key: str, provider: Callable) -> None:
    _outcome_providers[key] = provider


def unregister_referral_outcome_provider(key: str) -> None:
    _outcome_providers.pop(key, None)


def referral_outcomes(referrals) -> dict[int, list[Outcome]]:
    """Outcomes of every provider for `referrals` (already filtered to those that may be
    shared), by referral id."""
    outcomes: dict[int, list[Outcome]] = {r.pk: [] for r in referrals}
    if not referrals:
        return outcomes
    for key in sorted(_outcome_providers):
        for referral_id, found in _outcome_providers[key](referrals).items():
            outcomes.setdefault(referral_id, []).extend(found)
    return outcomes


# --- row actions -------------------------------------------------------------------------------
# Buttons that later apps add to the rows of this app's lists, e.g. workshops' "Book an
# appointment" on the referral inbox ("referral_inbox", a referral), the follow-ups due
# ("follow_ups_due", a follow-up) and the mediation actions due ("mediation_actions_due", a case).


@dataclass(frozen=True)
class RowAction:
    key: str
    label: str
    icon: str
    url: Callable  # (obj) -> str
    visible: Callable = lambda user: True  # (user) -> bool


_row_actions: dict[str, dict[str, RowAction]] = {}


def register_row_action(place: str, action: RowAction) -> None:
    _row_actions.setdefault(place, {})[action.key] = action


def row_actions(place: str, user) -> list[RowAction]:
    actions = _row_actions.get(place, {}).values()
    return [a for a in sorted(actions, key=lambda a: a.key) if a.visible(user)]
