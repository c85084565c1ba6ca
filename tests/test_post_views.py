"""Every view that takes a POST, found through the URL resolver: a valid post succeeds for a
permitted user with a CSRF token, then random values posted as that user never give a server
error, and a refused post changes no row."""

import inspect
import io
import os
import re
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue import services as catalogue_services
from catalogue.enums import DeviceStatus
from catalogue.services import TransferItem
from connexions.enums import AuditKind, SiteRole
from sales.services import CartItem
from tests.beneficiaries.factories import (
    BeneficiaryFactory,
    FollowUpFactory,
    MediationCaseFactory,
    ReferralFactory,
    enrol_post,
    referral_post,
)
from tests.catalogue.factories import ProductFactory, make_imei, receive_phone, voucher_csv
from tests.conftest import client_for
from tests.connexions.factories import (
    AccountRequestFactory,
    ReceptionSiteFactory,
    SiteMembershipFactory,
    UserFactory,
    staff_user,
)
from tests.sales.factories import (
    buyer,
    checkout,
    exchange_post,
    exchange_receipt_url,
    open_till,
    refund_receipt_url,
    stocked_site,
)
from tests.workshops.factories import (
    FacilitatorFactory,
    RegistrationFactory,
    WorkshopSessionFactory,
    WorkshopTopicFactory,
    appointment_booking_post,
    appointment_status_post,
)
from workshops import services as workshop_services

pytestmark = pytest.mark.django_db

settings.register_profile(
    "ci", max_examples=4, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev",
    max_examples=2,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PROJECT_APPS = ("connexions", "beneficiaries", "catalogue", "sales", "workshops")

SKIPPED = {
    "set_language": "Django's own view; it stores a cookie, no row",
    "login": "the login journey has its own tests (lockout, second factor)",
    "logout": "ends the session the test posts with",
    "two_factor_verify": "the second-factor journey has its own tests",
    "two_factor_enrol": "the second-factor journey has its own tests",
    "password_change": "would change the password of the user the test posts as",
    "password_reset": "throttled and answered the same whatever is posted; tested on its own",
    "password_reset_confirm": "needs a reset token; Django's own form",
    "onboarding:request": "public, throttled and answered the same whatever is posted; tested on "
    "its own (tests/connexions/test_onboarding.py)",
    "onboarding:verify": "needs a signed e-mail link; tested on its own",
}


def _member(user) -> int:
    return UserFactory(social_worker=True, agency=user.agency).pk


def _session_post(site):
    return {
        "topic": WorkshopTopicFactory().pk,
        "site": site.pk,
        "first_day": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "start": "14:00",
        "end": "16:00",
        "room": "Salle 2",
        "capacity": "8",
        "weeks": "2",
    }


def _today():
    return timezone.localdate().isoformat()


def _enrol_link_url(site):
    """A referral and the person it duplicates, already enrolled."""
    same = {"first_name": "Aïcha", "last_name": "Traoré", "birth_date": date(1985, 4, 12)}
    referral = ReferralFactory(site=site, **same)
    existing = BeneficiaryFactory(enrolled_site=site, **same)
    return f"/beneficiaires/inscription/{referral.pk}/lier/{existing.pk}/"


def _product_post(**overrides):
    return {
        "name": "Recharge SFR 15 €",
        "kind": "mobile_topup",
        "operator": ProductFactory().operator_id,
        "face_value": "15.00",
        "solidarity_price": "2.50",
        "validity_days": "30",
        "is_active": "on",
        **overrides,
    }


def _counted_stock(site, user, quantity=10):
    sim = ProductFactory(sim=True)
    catalogue_services.counted_stock_receive(site=site, product=sim, quantity=quantity, actor=user)
    return sim


def _device(site, user):
    return receive_phone(site, ProductFactory(phone=True), actor=user)


def _transfer_to(site):
    """Two SIM cards on their way to `site` from another site."""
    other = ReceptionSiteFactory(name="Lyon — test")
    sender = staff_user(other, SiteRole.SITE_MANAGER, email="resp.lyon@example.org")
    sim = _counted_stock(other, sender)
    return catalogue_services.transfer_send(
        from_site=other, to_site=site, items=[TransferItem(sim, quantity=2)], actor=sender
    )


def _sold_receipt(site, user):
    """A sale at `site`, and its receipt's address (print and PDF take no fields)."""
    open_till(site, user)
    topup, _, _ = stocked_site(site, user, vouchers=1, phones=0)
    sale = checkout(site, buyer(), [CartItem(topup)], user).sale
    return f"/caisse/ventes/{sale.pk}/"


class _CsvUpload(io.BytesIO):
    """A CSV file to upload, read whole each time the client posts it (the same data is posted
    without and with the CSRF token)."""

    name = "lot.csv"

    def read(self, *args):
        self.seek(0)
        return super().read(*args)


def _checkout_post(site, user):
    """An open till, a top-up in stock, and earlier posts that put a person and the top-up in
    the client's cart; the form's token comes from the cart's page."""
    open_till(site, user)
    topup, _, _ = stocked_site(site, user, vouchers=2, phones=0)
    person = buyer()

    def prepare(client, token):
        client.post("/caisse/client/", {"beneficiary": person.pk, "csrfmiddlewaretoken": token})
        page = client.post(
            "/caisse/panier/ajouter/",
            {"product": topup.pk, "csrfmiddlewaretoken": token},
            HTTP_HX_REQUEST="true",
        ).content.decode()
        return {"token": re.search(r'name="token" value="([^"]+)"', page).group(1)}

    return "/caisse/encaisser/", {"cash_amount": "2.50", "cash_received": "5"}, prepare


def _refund_post(site, user):
    """A phone sold at `site` and the post that takes it back."""
    open_till(site, user)
    _, phone, devices = stocked_site(site, user, vouchers=0, phones=1)
    sale = checkout(site, buyer(), [CartItem(phone, device_code=devices[0].imei)], user).sale
    line = sale.lines.get()
    data = {f"line_{line.pk}": "1", "reason": "faulty", "note": "Écran défectueux"}
    return f"/caisse/ventes/{sale.pk}/rembourser/", data


def _attendance_post(site, user):
    """A session that has started, with one person seated."""
    session = WorkshopSessionFactory(site=site, starts_at=timezone.now() - timedelta(hours=1))
    registration = workshop_services.registration_create(
        session=session,
        beneficiary=BeneficiaryFactory(),
        actor=user,
        now=session.starts_at - timedelta(days=1),
    )
    return f"/ateliers/seances/{session.pk}/presences/", {f"r{registration.pk}": "present"}


def _count_scan_post(site, user):
    """A count in progress at `site` and a phone of its stock to scan."""
    count = catalogue_services.scan_count_start(site=site, actor=user)
    return f"/catalogue/stock/inventaire/scan/{count.pk}/scanner/", {
        "code": _device(site, user).imei
    }


def _count_confirm_post(site, user):
    """A count in progress with one phone scanned and one missing, and the missing one's reason."""
    count = catalogue_services.scan_count_start(site=site, actor=user)
    catalogue_services.scan_count_scan(count=count, code=_device(site, user).imei, actor=user)
    missing = _device(site, user)
    url = f"/catalogue/stock/inventaire/scan/{count.pk}/valider/"
    return url, {f"reason_device-{missing.pk}": "stolen"}


# name -> (user fixture, builder(site, user) -> (url, valid data))
CASES = {
    "notifications": (
        "counsellor_a",
        lambda site, user: ("/mes-notifications/", {"on": "referral_digest"}),
    ),
    "appointments:book": ("counsellor_a", appointment_booking_post),
    "appointments:status": ("counsellor_a", appointment_status_post),
    "appointments:calendar_reset": (
        "counsellor_a",
        lambda site, user: ("/rendez-vous/mon-agenda/nouvelle-adresse/", {}),
    ),
    "switch_site": (
        "counsellor_a",
        lambda site, user: ("/site-courant/", {"site": SiteMembershipFactory(user=user).site_id}),
    ),
    "referrals:create": (
        "social_worker_a",
        lambda site, user: ("/orientations/nouvelle/", referral_post(site)),
    ),
    "workshops:session_create": (
        "counsellor_a",
        lambda site, user: ("/ateliers/seances/nouvelle/", _session_post(site)),
    ),
    "workshops:session_edit": (
        "counsellor_a",
        lambda site, user: (
            f"/ateliers/seances/{WorkshopSessionFactory(site=site).pk}/modifier/",
            {"room": "Salle 3", "capacity": "12"},
        ),
    ),
    "workshops:session_cancel": (
        "counsellor_a",
        lambda site, user: (
            f"/ateliers/seances/{WorkshopSessionFactory(site=site).pk}/annuler/",
            {"reason": "Salle en travaux"},
        ),
    ),
    "workshops:session_register": (
        "counsellor_a",
        lambda site, user: (
            f"/ateliers/seances/{WorkshopSessionFactory(site=site).pk}/inscrire/",
            {"beneficiary": BeneficiaryFactory(enrolled_site=site).pk},
        ),
    ),
    "workshops:topic_create": (
        "programme_admin",
        lambda site, user: (
            "/ateliers/themes/nouveau/",
            {"title": "Lire une facture", "duration_minutes": "60", "level": "beginner"},
        ),
    ),
    "workshops:topic_edit": (
        "programme_admin",
        lambda site, user: (
            f"/ateliers/themes/{WorkshopTopicFactory().pk}/modifier/",
            {"title": "Lire une facture", "duration_minutes": "60", "level": "beginner"},
        ),
    ),
    "workshops:facilitator_create": (
        "counsellor_a",
        lambda site, user: (
            "/ateliers/animateurs/nouveau/",
            {"first_name": "Paul", "last_name": "Durand", "company_name": "Orange"},
        ),
    ),
    "workshops:facilitator_edit": (
        "counsellor_a",
        lambda site, user: (
            f"/ateliers/animateurs/{FacilitatorFactory().pk}/modifier/",
            {"first_name": "Paul", "last_name": "Durand", "company_name": "Orange"},
        ),
    ),
    "workshops:registration_cancel": (
        "counsellor_a",
        lambda site, user: (
            f"/ateliers/inscriptions/"
            f"{RegistrationFactory(session=WorkshopSessionFactory(site=site)).pk}/annuler/",
            {},
        ),
    ),
    "referrals:decline": (
        "counsellor_a",
        lambda site, user: (
            f"/orientations/{ReferralFactory(site=site).pk}/refuser/",
            {"reason": "unreachable"},
        ),
    ),
    "catalogue:threshold": (
        "manager_a",
        lambda site, user: (
            "/catalogue/stock/seuils/",
            {"product": ProductFactory(sim=True).pk, "minimum": "3"},
        ),
    ),
    "referrals:withdraw": (
        "social_worker_a",
        lambda site, user: (
            f"/orientations/{ReferralFactory(agency=user.agency, referrer=user).pk}/retirer/",
            {},
        ),
    ),
    "beneficiaries:enrol": (
        "counsellor_a",
        lambda site, user: (
            f"/beneficiaires/inscription/{ReferralFactory(site=site).pk}/",
            enrol_post(),
        ),
    ),
    "beneficiaries:enrol_link": (
        "counsellor_a",
        lambda site, user: (_enrol_link_url(site), {}),
    ),
    "beneficiaries:erase": (
        "programme_admin",
        lambda site, user: (
            f"/beneficiaires/{BeneficiaryFactory(enrolled_site=site).pk}/effacer/",
            {"reason": "person_request", "confirm": "on"},
        ),
    ),
    "beneficiaries:data_processing_withdrawal": (
        "counsellor_a",
        lambda site, user: (
            f"/beneficiaires/{BeneficiaryFactory(enrolled_site=site).pk}/consentements/retrait/",
            {"confirm": "on"},
        ),
    ),
    "beneficiaries:consents": (
        "counsellor_a",
        lambda site, user: (
            f"/beneficiaires/{BeneficiaryFactory(enrolled_site=site).pk}/consentements/",
            {"consent_data_processing": "on", "consent_share_outcomes": "on"},
        ),
    ),
    "beneficiaries:support_create": (
        "counsellor_a",
        lambda site, user: (
            f"/beneficiaires/{BeneficiaryFactory(enrolled_site=site).pk}/accompagnement/",
            {"date": _today(), "topics": ["reading_bill"], "duration_minutes": "30", "notes": ""},
        ),
    ),
    "beneficiaries:follow_up_create": (
        "counsellor_a",
        lambda site, user: (
            (lambda planned: f"/beneficiaires/{planned.beneficiary_id}/suivi/?suivi={planned.pk}")(
                FollowUpFactory(beneficiary=BeneficiaryFactory(enrolled_site=site))
            ),
            {"done_on": _today(), "monthly_spending": "12"},
        ),
    ),
    "beneficiaries:offer_create": (
        "counsellor_a",
        lambda site, user: (
            f"/beneficiaires/{BeneficiaryFactory(enrolled_site=site).pk}/offre/",
            {
                "subscribed_on": _today(),
                "kind": "social_mobile",
                "operator": "orange",
                "monthly_price": "9,99",
            },
        ),
    ),
    "beneficiaries:mediation_create": (
        "counsellor_a",
        lambda site, user: (
            f"/beneficiaires/{BeneficiaryFactory(enrolled_site=site).pk}/mediation/",
            {
                "operator": "orange",
                "amount_owed": "320",
                "next_action_on": _today(),
                "note": "Appel",
            },
        ),
    ),
    "beneficiaries:mediation": (
        "counsellor_a",
        lambda site, user: (
            f"/beneficiaires/mediations/{MediationCaseFactory(site=site).pk}/",
            {"status": "open", "next_action_on": _today(), "note": "Relance envoyée"},
        ),
    ),
    "catalogue:product_create": (
        "programme_admin",
        lambda site, user: ("/catalogue/produits/nouveau/", _product_post()),
    ),
    "catalogue:product_edit": (
        "programme_admin",
        lambda site, user: (
            f"/catalogue/produits/{ProductFactory().pk}/modifier/",
            _product_post(solidarity_price="3.00"),
        ),
    ),
    "catalogue:device_detail": (
        "manager_a",
        lambda site, user: (
            f"/catalogue/stock/appareils/{_device(site, user).pk}/",
            {"status": DeviceStatus.IN_REPAIR, "reason": ""},
        ),
    ),
    "catalogue:counted_receive": (
        "manager_a",
        lambda site, user: (
            "/catalogue/stock/articles/reception/",
            {"product": ProductFactory(sim=True).pk, "quantity": "5"},
        ),
    ),
    "catalogue:transfer_create": (
        "manager_a",
        lambda site, user: (
            "/catalogue/stock/transferts/nouveau/",
            {
                "to_site": ReceptionSiteFactory(name="Lyon — test").pk,
                f"quantity_{_counted_stock(site, user).pk}": "2",
                "device_codes": _device(site, user).imei,
            },
        ),
    ),
    "catalogue:transfer_receive": (
        "manager_a",
        lambda site, user: (f"/catalogue/stock/transferts/{_transfer_to(site).pk}/reception/", {}),
    ),
    "catalogue:stocktake": (
        "manager_a",
        lambda site, user: (
            "/catalogue/stock/inventaire/",
            (lambda sim: {"reason": "lost", f"count_{sim.pk}": "7", f"expected_{sim.pk}": "10"})(
                _counted_stock(site, user)
            ),
        ),
    ),
    "catalogue:transfer_scan": (
        "manager_a",
        lambda site, user: (
            "/catalogue/stock/transferts/nouveau/scan/",
            {"code": _device(site, user).imei},
        ),
    ),
    "catalogue:scan_count_list": (
        "manager_a",
        lambda site, user: ("/catalogue/stock/inventaire/scan/", {}),
    ),
    "catalogue:scan_count_scan": ("manager_a", _count_scan_post),
    "catalogue:scan_count_confirm": ("manager_a", _count_confirm_post),
    "sales:cart_scan": (
        "manager_a",
        lambda site, user: ("/caisse/scanner/", {"code": _device(site, user).imei}),
    ),
    "sales:cart_customer": (
        "manager_a",
        lambda site, user: ("/caisse/client/", {"beneficiary": BeneficiaryFactory().pk}),
    ),
    "sales:cart_add": (
        "manager_a",
        lambda site, user: (
            "/caisse/panier/ajouter/",
            {"product": ProductFactory().pk, "quantity": "2"},
        ),
    ),
    "sales:cart_remove": (
        "manager_a",
        lambda site, user: ("/caisse/panier/retirer/0/", {}),
    ),
    "sales:cart_clear": (
        "manager_a",
        lambda site, user: ("/caisse/panier/vider/", {}),
    ),
    "sales:session_close": (
        "manager_a",
        lambda site, user: (
            f"/caisse/sessions/{open_till(site, user).pk}/cloturer/",
            {"step": "count", "counted_cash": "50,00"},
        ),
    ),
    "sales:refund_create": ("manager_a", _refund_post),
    "sales:checkout": ("manager_a", _checkout_post),
    "catalogue:voucher_import": (
        "manager_a",
        lambda site, user: (
            "/catalogue/stock/recharges/import/",
            {"product": ProductFactory().pk, "file": _CsvUpload(voucher_csv(3))},
        ),
    ),
    "catalogue:device_receive": (
        "manager_a",
        lambda site, user: (
            "/catalogue/stock/appareils/reception/",
            {"product": ProductFactory(phone=True).pk, "grade": "A", "code": make_imei()},
        ),
    ),
    "sales:receipt_print": (
        "manager_a",
        lambda site, user: (_sold_receipt(site, user) + "imprimer/", {}),
    ),
    "sales:receipt_pdf": (
        "manager_a",
        lambda site, user: (_sold_receipt(site, user) + "ticket.pdf", {}),
    ),
    "sales:exchange_create": ("manager_a", exchange_post),
    "sales:exchange_print": (
        "manager_a",
        lambda site, user: (exchange_receipt_url(site, user) + "imprimer/", {}),
    ),
    "sales:refund_print": (
        "manager_a",
        lambda site, user: (refund_receipt_url(site, user) + "imprimer/", {}),
    ),
    "sales:refund_pdf": (
        "manager_a",
        lambda site, user: (refund_receipt_url(site, user) + "ticket.pdf", {}),
    ),
    "sales:cash_movements": (
        "manager_a",
        lambda site, user: (
            open_till(site, user) and "/caisse/mouvements-especes/",
            {"kind": "petty_expense", "amount": "4,50", "comment": "Timbres"},
        ),
    ),
    "workshops:attendance": ("counsellor_a", _attendance_post),
    "onboarding:request_approve": (
        "referent_a",
        lambda site, user: (
            f"/inscription/demandes/{AccountRequestFactory(agency=user.agency).pk}/approuver/",
            {},
        ),
    ),
    "onboarding:request_refuse": (
        "referent_a",
        lambda site, user: (
            f"/inscription/demandes/{AccountRequestFactory(agency=user.agency).pk}/refuser/",
            {"reason": "Cette personne ne travaille pas dans la structure."},
        ),
    ),
    "onboarding:member_deactivate": (
        "referent_a",
        lambda site, user: (f"/inscription/membres/{_member(user)}/desactiver/", {}),
    ),
    "onboarding:member_referent": (
        "referent_a",
        lambda site, user: (f"/inscription/membres/{_member(user)}/referent/", {}),
    ),
    "sales:till_open": (
        "manager_a",
        lambda site, user: ("/caisse/ouvrir/", {"opening_float": "50,00"}),
    ),
}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin: its own forms, programme admins only
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        else:
            yield f"{namespace}{pattern.name}", pattern.callback


def _takes_post(callback) -> bool:
    view = getattr(callback, "view_class", None)
    if view is not None:
        return hasattr(view, "post")
    source = inspect.getsource(inspect.unwrap(callback))
    return "POST" in source or "require_POST" in source


def post_views() -> list[str]:
    return sorted(name for name, cb in _walk(get_resolver().url_patterns) if _takes_post(cb))


def test_every_post_view_is_checked_or_skipped_with_a_reason():
    assert set(post_views()) - set(SKIPPED) - set(CASES) == set()


def _row_counts() -> tuple:
    """The rows of every table of the project, in one query (reads of a file are audited)."""
    tables = [
        model._meta.db_table
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.managed and not model._meta.proxy
    ]
    counts = ", ".join(
        f'(SELECT count(*) FROM "{table}"'
        + (f" WHERE kind = '{AuditKind.ACTION}'" if table == "connexions_auditevent" else "")
        + ")"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return cursor.fetchone()


# Views whose success is a page (a printed receipt, its PDF, the reception page showing the unit
# received) rather than a redirect; the reception page says so in a success message.
SUCCESS_STATUS = {
    "sales:receipt_print": 200,
    "sales:receipt_pdf": 200,
    "sales:refund_print": 200,
    "sales:exchange_print": 200,
    "sales:refund_pdf": 200,
    "catalogue:device_receive": 200,
}
SUCCESS_MESSAGE_NEEDED = {"catalogue:device_receive"}


def _refused(response, name) -> bool:
    if response.status_code != SUCCESS_STATUS.get(name, 302):
        return True
    levels = {message.level for message in get_messages(response.wsgi_request)}
    if name in SUCCESS_MESSAGE_NEEDED and SUCCESS not in levels:
        return True
    return ERROR in levels


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
BAD_VALUES = st.one_of(
    _text,
    st.text(alphabet="\x00a1-", min_size=1, max_size=5),
    st.integers(min_value=2**63).map(str),
    st.integers(max_value=-(2**63)).map(str),
    st.sampled_from(["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01", "NaN", "1e400"]),
    st.dates().map(date.isoformat),
)
MISSING = object()


@pytest.fixture
def posting(request, site_a):
    def start(name):
        user_fixture, build = CASES[name]
        user = request.getfixturevalue(user_fixture)
        client = client_for(Client(enforce_csrf_checks=True), user)
        client.get("/")
        token = client.cookies["csrftoken"].value
        url, data, *prepare = build(site_a, user)
        for step in prepare:  # earlier posts a valid post depends on (the till's cart)
            data = {**data, **step(client, token)}
        return client, url, data, token

    return start


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_valid_post_succeeds_with_a_csrf_token(posting, name):
    client, url, data, token = posting(name)
    assert client.post(url, data).status_code == 403  # without the token
    response = client.post(url, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == SUCCESS_STATUS.get(name, 302), response.content[:2000]
    assert not _refused(response, name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_random_values_give_no_server_error_and_a_refusal_changes_nothing(posting, name):
    client, url, data, token = posting(name)

    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.fixed_dictionaries({key: st.one_of(st.just(MISSING), BAD_VALUES) for key in data}))
    def post_random_values(changes):
        sent = {**data, **changes}
        sent = {key: value for key, value in sent.items() if value is not MISSING}
        before = _row_counts()
        response = client.post(url, {**sent, "csrfmiddlewaretoken": token})
        assert response.status_code < 500
        if _refused(response, name):
            assert _row_counts() == before

    post_random_values()
