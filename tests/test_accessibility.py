"""The accessibility sweep: every page of the project, found through the URL resolver, visited as
each role in a real Chromium at 1366×768, then resized to a phone (390×844, same page, no reload),
with axe-core run in the page at both sizes: zero violations of any impact, no console error, and
none of the HTML errors the browser repairs before axe looks (`_HtmlChecker`).

axe-core is the build pinned by axe-playwright-python (a test dependency), injected into the page:
no network, no rule disabled, no element excluded.

How a page is chosen
- A pattern without arguments is visited as it is.
- A pattern with arguments needs real ids: add a function to `IDS` that returns its keyword
  arguments for the logged-in user (or None when that role has nothing of the kind to show; at
  least one role must then find one), taken from the demo data (`seed_demo`).
- A page shown only after a form is posted (the receipt's print page) goes in `SUBMITTED`: its
  address, opened with GET, leads to the page holding the form, whose button is then pressed.
- A pattern that cannot be visited (a download, a POST-only view, a token link) goes in `SKIPPED`
  with its reason; a namespace whose pages are not the project's goes in `SKIPPED_NAMESPACES`.
- A pattern in none of these fails the test, so a page added later is swept once it is listed.
- A role that may not see a page gets the 403/404 page; each role's error pages are checked once.

The sweep takes a few minutes; CI runs it in one of its two database passes only: it is skipped
when `CONNEXIONS_SKIP_A11Y_SWEEP=1` (set by `.ci/run` for the server pass). A plain `make test`
runs it. Each run writes its findings to `var/axe-report.json`.
"""

import io
import json
import os
import re
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.db.models import Q
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from beneficiaries.enums import ReferralStatus
from beneficiaries.models import Beneficiary, FollowUp, MediationCase, Referral
from catalogue import services as catalogue_services
from catalogue.models import Device, Product, ScanCount, Transfer
from catalogue.services import TransferItem
from connexions.demo import DEMO_PASSWORD
from connexions.models import Partner, ReceptionSite, User
from connexions.perms import Action, account_requests_for, members_for, sites_for
from sales import refunds
from sales.models import Refund, Sale, TillSession
from tests.catalogue.factories import ProductFactory
from tests.conftest import browser_login
from tests.sales.factories import open_till
from workshops.models import Appointment, Facilitator, Registration, WorkshopSession, WorkshopTopic

SKIP_SWEEP = pytest.mark.skipif(
    os.environ.get("CONNEXIONS_SKIP_A11Y_SWEEP") == "1",
    reason="CONNEXIONS_SKIP_A11Y_SWEEP=1: the sweep runs in the other CI pass",
)

ROLES = {
    "anonymous": None,
    "programme admin": "admin@demo.connexions.fr",
    "counsellor": "conseiller@demo.connexions.fr",
    "site manager": "responsable@demo.connexions.fr",
    "social worker": "ts.ccas@demo.connexions.fr",
}
VIEWPORTS = [{"width": 1366, "height": 768}, {"width": 390, "height": 844}]

SKIPPED_NAMESPACES = {
    "admin": "Django's own admin (its templates are Django's, for programme admins only)",
}
SKIPPED = {
    "logout": "POST only (ends the session)",
    "switch_site": "POST only",
    "set_language": "POST only",
    "favicon": "an image",
    "keep_alive": "answers 204 without a page (the idle-logout dialog calls it)",
    "password_reset_confirm": "needs a reset token from an e-mail; the page is Django's form",
    "beneficiaries:card": "a PDF download",
    "beneficiaries:enrol_link": "POST only",
    "sales:session_pdf": "a PDF download",
    "sales:receipt_pdf": "a PDF download",
    "sales:cart_scan": "POST only (htmx)",
    "sales:cart_customer": "POST only (htmx)",
    "sales:cart_add": "POST only (htmx)",
    "sales:cart_remove": "POST only (htmx)",
    "sales:cart_clear": "POST only (htmx)",
    "sales:checkout": "POST only",
    "sales:till_open": "POST only (the till's page shows its form)",
    "catalogue:transfer_receive": "POST only (the transfer's page shows its form)",
    "sales:customer_search": "an htmx fragment of the till, checked on the till's page",
    "workshops:attendance_sheet": "a PDF download",
    "workshops:session_register": "POST only (the session's page shows its form)",
    "impact:pdf": "a PDF download",
    "impact:csv": "a CSV download",
    "onboarding:verify": "a token link from an e-mail (its page is seen by the onboarding journey)",
    "onboarding:request_approve": "POST only (the request's page shows its form)",
    "onboarding:request_refuse": "POST only (the request's page shows its form)",
    "onboarding:member_referent": "POST only (the members' page shows its form)",
    "beneficiaries:data_export": "a ZIP download",
    "catalogue:scan_count_scan": "POST only (htmx, the count's page shows its form)",
    "catalogue:scan_count_confirm": "POST only (the count's page shows its form)",
    "sales:refund_pdf": "a PDF download",
    "sales:exchange_detail": "no exchange in the demo data (the till's exchange journey opens it)",
    "sales:exchange_print": "no exchange in the demo data (the till's exchange journey opens it)",
    "appointments:status": "POST only (the appointment's page shows its form)",
    "appointments:ical": "a calendar feed behind a secret token, not a page",
    "impact:partner_csv": "a CSV download",
    "impact:partner_pdf": "a PDF download",
    "catalogue:transfer_scan": "POST only (htmx, the transfer form shows it)",
    "appointments:calendar_reset": "POST only (the agenda page shows its form)",
    "proconnect_start": "redirects to the OpenID provider (not configured here; tested on its own)",
    "proconnect_callback": "the provider's redirect back (tested with the local provider)",
}

SUBMITTED = {"sales:receipt_print", "sales:refund_print"}


def _first(queryset):
    return queryset.order_by("pk").values_list("pk", flat=True).first()


def _pk(queryset):
    pk = _first(queryset)
    return None if pk is None else {"pk": pk}


def _beneficiary(user):
    return _first(Beneficiary.objects.visible_to(user))


def _with_beneficiary(user):
    pk = _beneficiary(user)
    return None if pk is None else {"pk": pk}


def _pending_referral(user):
    pk = _first(Referral.objects.visible_to(user).filter(status=ReferralStatus.PENDING))
    return None if pk is None else {"referral_pk": pk}


def _follow_up(user):
    pk = _beneficiary(user)
    planned = FollowUp.objects.filter(beneficiary_id=pk, done_on__isnull=True).first()
    return None if pk is None else {"pk": pk} | ({"suivi": planned.pk} if planned else {})


# name -> function(user) -> the pattern's keyword arguments (an optional "?" query in the key
# "suivi" style is passed as a query string), or None when the role has nothing to show.
IDS = {
    "referrals:detail": lambda user: _pk(Referral.objects.visible_to(user)),
    "referrals:withdraw": lambda user: _pk(
        Referral.objects.visible_to(user).filter(status=ReferralStatus.PENDING)
    ),
    "referrals:decline": lambda user: _pk(
        Referral.objects.visible_to(user).filter(status=ReferralStatus.PENDING)
    ),
    "beneficiaries:enrol": _pending_referral,
    "beneficiaries:detail": _with_beneficiary,
    "beneficiaries:consents": _with_beneficiary,
    "beneficiaries:support_create": _with_beneficiary,
    "beneficiaries:follow_up_create": _follow_up,
    "beneficiaries:mediation_create": _with_beneficiary,
    "beneficiaries:mediation": lambda user: _pk(MediationCase.objects.visible_to(user)),
    "catalogue:product_detail": lambda user: _pk(Product.objects.visible_to(user)),
    "catalogue:product_edit": lambda user: _pk(Product.objects.visible_to(user)),
    "catalogue:device_detail": lambda user: _pk(Device.objects.filter(site__in=_stock_sites(user))),
    "catalogue:transfer_detail": lambda user: _pk(
        Transfer.objects.filter(
            Q(from_site__in=_stock_sites(user)) | Q(to_site__in=_stock_sites(user))
        )
    ),
    "sales:session_detail": lambda user: _pk(TillSession.objects.visible_to(user)),
    "sales:session_close": lambda user: _pk(
        TillSession.objects.visible_to(user).filter(closed_at=None)
    ),
    "sales:sale_detail": lambda user: _pk(Sale.objects.visible_to(user)),
    "sales:receipt_print": lambda user: _pk(Sale.objects.visible_to(user)),
    "sales:refund_create": lambda user: _pk(Sale.objects.visible_to(user)),
    "workshops:session_detail": lambda user: _pk(WorkshopSession.objects.visible_to(user)),
    "workshops:session_edit": lambda user: _pk(_upcoming(user)),
    "workshops:session_cancel": lambda user: _pk(_upcoming(user)),
    "workshops:session_register": lambda user: _pk(_upcoming(user)),
    "workshops:attendance": lambda user: _pk(
        WorkshopSession.objects.visible_to(user).filter(
            pk__in=Registration.objects.values("session")
        )
    ),
    "workshops:registration_cancel": lambda user: _pk(
        Registration.objects.filter(session__in=_upcoming(user), status="registered")
    ),
    "workshops:topic_edit": lambda user: _pk(WorkshopTopic.objects.all()),
    "workshops:facilitator_edit": lambda user: _pk(Facilitator.objects.all()),
    "onboarding:request_detail": lambda user: _pk(account_requests_for(user)),
    "onboarding:member_deactivate": lambda user: _pk(members_for(user).exclude(pk=user.pk)),
    "beneficiaries:erase": _with_beneficiary,
    "beneficiaries:data_processing_withdrawal": _with_beneficiary,
    "beneficiaries:offer_create": _with_beneficiary,
    "catalogue:scan_count": lambda user: _pk(ScanCount.objects.filter(site__in=_stock_sites(user))),
    "sales:exchange_create": lambda user: _pk(Sale.objects.visible_to(user)),
    "sales:refund_detail": lambda user: _pk(
        Refund.objects.filter(sale__in=Sale.objects.visible_to(user))
    ),
    "sales:refund_print": lambda user: _pk(
        Refund.objects.filter(sale__in=Sale.objects.visible_to(user))
    ),
    "appointments:detail": lambda user: _pk(
        Appointment.objects.filter(site__in=sites_for(user, Action.SUPPORT))
    ),
    "impact:partner": lambda user: _pk(Partner.objects.all()),
}


def _complete_the_demo():
    """What the demo does not show and a page needs: stock on its way to Paris 19e, and an open
    till there."""
    paris = ReceptionSite.objects.get(name__startswith="Paris 19e")
    antony = ReceptionSite.objects.get(name__startswith="Antony")
    sender = User.objects.get(email="responsable.antony@demo.connexions.fr")
    sim = ProductFactory(sim=True)
    catalogue_services.counted_stock_receive(site=antony, product=sim, quantity=5, actor=sender)
    catalogue_services.transfer_send(
        from_site=antony, to_site=paris, items=[TransferItem(sim, quantity=2)], actor=sender
    )
    manager = User.objects.get(email=ROLES["site manager"])
    if not TillSession.objects.filter(site=paris, closed_at=None).exists():
        open_till(paris, manager)
    # A refund and a partner, which the demo does not record.
    sale = Sale.objects.filter(site=paris).order_by("-pk").first()
    refunds.refund_create(
        sale=sale,
        quantities={sale.lines.order_by("pk").first().pk: 1},
        reason="entry_error",
        voucher_unused=True,
        actor=manager,
    )
    Partner.objects.create(name="Opérateur partenaire", kind="operator")


def _stock_sites(user):
    return sites_for(user, Action.MANAGE_STOCK)


def _upcoming(user):
    return WorkshopSession.objects.visible_to(user).filter(starts_at__gt=timezone.now())


def _patterns(patterns=None, namespace=""):
    """(name, pattern) for every named page of the URLconf, namespaced as `reverse` wants it."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or pattern.callback.__name__}", pattern


def _takes_arguments(pattern) -> bool:
    return bool(pattern.pattern.regex.groups)


def pages_to_sweep():
    """The names to visit, and the names nobody said how to visit."""
    names, unlisted = [], []
    for name, pattern in _patterns():
        if name in SKIPPED or name.split(":")[0] in SKIPPED_NAMESPACES:
            continue
        if _takes_arguments(pattern) and name not in IDS:
            unlisted.append(name)
        else:
            names.append(name)
    return names, unlisted


def _url(name, user):
    if name not in IDS:
        return reverse(name)
    kwargs = IDS[name](user) if user is not None else None
    if kwargs is None:
        return None
    query = {key: kwargs.pop(key) for key in list(kwargs) if key == "suivi"}
    url = reverse(name, kwargs=kwargs)
    return url + (f"?suivi={query['suivi']}" if query else "")


def test_every_pattern_is_swept_or_skipped_with_a_reason():
    names, unlisted = pages_to_sweep()
    assert names
    assert unlisted == [], f"add these to IDS or SKIPPED in {__name__}: {unlisted}"


_ERROR_STATUS = re.compile(r"status of (403|404)")


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _HtmlChecker(HTMLParser):
    """HTML errors axe cannot see, since the browser repairs them before it looks: an attribute
    given twice, a date input whose value is not ISO (the browser then shows it blank), a
    `<legend>` with a `for`."""

    def __init__(self):
        super().__init__()
        self.errors = []

    def handle_starttag(self, tag, attrs):
        names = [name for name, _ in attrs]
        doubled = sorted({name for name in names if names.count(name) > 1})
        if doubled:
            self.errors.append(f"<{tag}> has {doubled} twice")
        values = dict(attrs)
        if tag == "input" and values.get("type") == "date" and values.get("value"):
            if not ISO_DATE.fullmatch(values["value"]):
                self.errors.append(f"date input with value {values['value']!r}")
        if tag == "legend" and "for" in values:
            self.errors.append("<legend> with a for attribute")


def _html_errors(html: str) -> list[str]:
    checker = _HtmlChecker()
    checker.feed(html)
    return checker.errors


def _open(page, live_server, name, path):
    """Go to `path` (and post its form when it is a SUBMITTED page); the response."""
    response = page.goto(live_server.url + path)
    if name in SUBMITTED and response and response.ok:
        with page.expect_navigation() as navigation:
            page.locator(f'form[action="{path}"] [type="submit"]').first.click()
        response = navigation.value
    return response


def _leave(page):
    """A blank page, once whatever navigation the failed visit started has ended."""
    for _attempt in range(3):
        try:
            page.goto("about:blank")
            return
        except PlaywrightError:
            page.wait_for_timeout(500)


def _check(page, axe, report, where):
    """axe at each viewport size, the page resized and not reloaded."""
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        for violation in axe.run(page).response["violations"]:
            report["violations"].append(
                where
                | {
                    "width": viewport["width"],
                    "rule": violation["id"],
                    "impact": violation["impact"],
                    "nodes": [node["target"] for node in violation["nodes"]][:8],
                    "summary": violation["nodes"][0]["failureSummary"][:300],
                }
            )
    report["pages"] += 1


def _sweep_role(browser, live_server, role, email, names, report, axe):
    """Visit every page as `role` in one context; return the names seen with a 200."""
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", viewport=VIEWPORTS[0])
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = []
    page.on("console", lambda m: m.type == "error" and console.append(m.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    if email:
        browser_login(page, live_server, email, DEMO_PASSWORD)
        page.wait_for_load_state()
    user = User.objects.filter(email=email).first() if email else None
    seen_ok, swept, error_pages = set(), set(), set()
    for name in names:
        path = _url(name, user)
        if path is None:
            continue
        page.set_viewport_size(VIEWPORTS[0])
        console.clear()
        try:
            response = _open(page, live_server, name, path)
        except PlaywrightError as error:
            report["errors"].append(f"{role} {name} {path}: {error.message.splitlines()[0]}")
            _leave(page)  # so that the error page does not interrupt the next visit
            continue
        status = response.status if response else 0
        final = page.url.removeprefix(live_server.url)
        if status in (403, 404):
            console[:] = [m for m in console if not _ERROR_STATUS.search(m)]
            if status in error_pages:
                continue
            error_pages.add(status)
        elif status != 200:
            report["errors"].append(f"{role} {name} {path}: HTTP {status}")
            continue
        else:
            seen_ok.add(name)
        if (final, name in SUBMITTED) not in swept:
            swept.add((final, name in SUBMITTED))
            _check(page, axe, report, {"role": role, "name": name, "url": final})
            report["errors"].extend(
                f"{role} {name} {final}: HTML: {error}" for error in _html_errors(response.text())
            )
        report["errors"].extend(f"{role} {name} {final}: console: {m}" for m in console)
    context.close()
    return seen_ok


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@SKIP_SWEEP
def test_every_page_has_no_axe_violation_for_every_role(browser, live_server):
    call_command("seed_demo", stdout=io.StringIO())
    _complete_the_demo()
    names, _ = pages_to_sweep()
    report = {"pages": 0, "violations": [], "errors": []}
    axe = Axe()
    started = time.monotonic()
    seen = set()
    for role, email in ROLES.items():
        seen |= _sweep_role(browser, live_server, role, email, names, report, axe)
    report["seconds"] = round(time.monotonic() - started)
    report["by_rule"] = Counter(v["rule"] for v in report["violations"])
    report["by_role"] = Counter(v["role"] for v in report["violations"])
    report["urls_failing"] = len({v["url"] for v in report["violations"]})
    out = Path(settings.BASE_DIR) / "var" / "axe-report.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    never = sorted(set(names) - seen)
    assert never == [], f"no role reached these pages with a 200 (fix IDS): {never}"
    assert report["errors"] == [], report["errors"]
    assert report["violations"] == [], (
        f"{len(report['violations'])} axe violations on {report['urls_failing']} pages: "
        f"{dict(report['by_rule'])} — details in {out}"
    )
