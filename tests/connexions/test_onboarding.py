"""Self-service onboarding and agency referents: services, permissions and pages."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connexions import onboarding, perms
from connexions.codes import validate_siret
from connexions.enums import AccountRequestStatus, AuditAction, UserKind
from connexions.models import AccountRequest, AuditEvent, User
from connexions.onboarding import OnboardingError
from tests.beneficiaries.factories import ReferralFactory
from tests.conftest import client_for
from tests.connexions.factories import PartnerAgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _commit(django_capture_on_commit_callbacks):
    """Services send their e-mails after commit: run those callbacks as each service returns."""
    global committed
    committed = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731


def call(service, **kwargs):
    with committed():
        return service(**kwargs)


@pytest.fixture
def agency(agency_a):
    agency_a.email_domains = ["ccas-test.fr"]
    agency_a.save()
    return agency_a


@pytest.fixture
def referent_a(agency):
    return UserFactory(
        social_worker=True, agency=agency, is_referent=True, email="ref.a@ccas-test.fr"
    )


@pytest.fixture
def referent_b(agency_b):
    return UserFactory(social_worker=True, agency=agency_b, is_referent=True)


def submit(email="camille@ccas-test.fr", agency=None, ip="10.0.0.1", **fields):
    call(
        onboarding.account_request_submit,
        email=email,
        first_name=fields.get("first_name", "Camille"),
        last_name=fields.get("last_name", "Roux"),
        agency=agency,
        unlisted_agency=fields.get("unlisted_agency", ""),
        ip=ip,
    )


def link_in(message) -> str:
    return re.search(r"http://\S+/inscription/verifier/\S+/", message.body).group(0)


def pending_request(agency, email="camille@ccas-test.fr"):
    submit(email=email, agency=agency)
    request = AccountRequest.objects.get(email=email)
    call(onboarding.account_request_verify, token=onboarding.verification_token(request))
    request.refresh_from_db()
    return request


# --- SIRET -------------------------------------------------------------------------------------


@pytest.mark.parametrize("siret", ["73282932000074", "20001932000007"])
def test_valid_sirets(siret):
    validate_siret(siret)


@pytest.mark.parametrize("siret", ["73282932000075", "7328293200007", "7328293200007A", ""])
def test_invalid_sirets(siret):
    with pytest.raises(ValidationError):
        validate_siret(siret)


def test_siret_unique_when_given():
    PartnerAgencyFactory(name="A", siret="73282932000074")
    PartnerAgencyFactory(name="B", siret="")
    PartnerAgencyFactory(name="C", siret="")
    with pytest.raises(IntegrityError):
        PartnerAgencyFactory(name="D", siret="73282932000074")


def test_only_social_workers_are_referents(counsellor_a):
    counsellor_a.is_referent = True
    counsellor_a.full_clean()
    assert counsellor_a.is_referent is False  # cleaned away
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=counsellor_a.pk).update(is_referent=True)


# --- requests ----------------------------------------------------------------------------------


def test_request_is_verified_then_routed_to_the_agencys_referents(agency, referent_a):
    submit(agency=agency)
    request = AccountRequest.objects.get()
    assert request.status == AccountRequestStatus.UNVERIFIED
    assert mail.outbox[-1].to == ["camille@ccas-test.fr"]
    token = link_in(mail.outbox[-1]).rstrip("/").rsplit("/", 1)[-1]
    call(onboarding.account_request_verify, token=token)
    request.refresh_from_db()
    assert request.status == AccountRequestStatus.PENDING and request.for_referents
    assert mail.outbox[-1].to == [referent_a.email]
    assert "Nouvelle demande de compte" in mail.outbox[-1].subject
    with pytest.raises(OnboardingError, match="déjà été utilisé"):
        call(onboarding.account_request_verify, token=token)


def test_domain_not_declared_goes_to_programme_admins(agency, referent_a, programme_admin):
    request = pending_request(agency, email="camille@gmail.example")
    assert not request.for_referents
    assert mail.outbox[-1].to == [programme_admin.email]
    assert not perms.account_requests_for(referent_a).exists()
    assert perms.account_requests_for(programme_admin).get() == request


def test_agency_without_referent_goes_to_programme_admins(agency, programme_admin):
    assert not pending_request(agency).for_referents


def test_unlisted_agency_goes_to_programme_admins(programme_admin):
    submit(agency=None, unlisted_agency="CCAS de Trifouillis, 73282932000074")
    request = AccountRequest.objects.get()
    call(onboarding.account_request_verify, token=onboarding.verification_token(request))
    request.refresh_from_db()
    assert not request.for_referents and request.unlisted_agency


def test_verification_link_expires(agency, settings):
    submit(agency=agency)
    token = onboarding.verification_token(AccountRequest.objects.get())
    later = timezone.now() + timedelta(hours=settings.ONBOARDING_LINK_HOURS, minutes=1)
    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        with pytest.raises(OnboardingError, match="expiré"):
            call(onboarding.account_request_verify, token=token)
    assert AccountRequest.objects.get().status == AccountRequestStatus.UNVERIFIED


def test_tampered_link_is_refused(agency):
    submit(agency=agency)
    token = onboarding.verification_token(AccountRequest.objects.get())
    with pytest.raises(OnboardingError, match="pas valide"):
        call(onboarding.account_request_verify, token=token[:-2] + "xx")
    with pytest.raises(OnboardingError, match="pas valide"):
        call(onboarding.account_request_verify, token=signing.dumps(1, salt="another"))


def test_same_answer_for_a_known_address(client, agency, social_worker_a):
    with committed():
        known = client.post(
            "/inscription/",
            {
                "first_name": "N",
                "last_name": "N",
                "email": social_worker_a.email,
                "agency": agency.pk,
            },
        )
    with committed():
        unknown = client.post(
            "/inscription/",
            {"first_name": "N", "last_name": "N", "email": "new@ccas-test.fr", "agency": agency.pk},
        )
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/inscription/envoyee/"
    assert not AccountRequest.objects.filter(email=social_worker_a.email).exists()
    # The owner of the known address learns about it, nobody else does.
    assert [m.to for m in mail.outbox] == [[social_worker_a.email], ["new@ccas-test.fr"]]


def test_rate_limited_per_address_and_per_ip(agency, settings):
    settings.ONBOARDING_PER_EMAIL = 2
    settings.ONBOARDING_PER_IP = 3
    for _ in range(3):
        AccountRequest.objects.all().delete()
        submit(email="same@ccas-test.fr", agency=agency, ip="10.0.0.9")
    # Third try from the same address: dropped (the first two went out).
    assert len(mail.outbox) == 2
    submit(email="other@ccas-test.fr", agency=agency, ip="10.0.0.9")
    submit(email="third@ccas-test.fr", agency=agency, ip="10.0.0.9")
    assert {m.to[0] for m in mail.outbox} == {"same@ccas-test.fr", "other@ccas-test.fr"}
    submit(email="third@ccas-test.fr", agency=agency, ip="10.0.0.10")
    assert mail.outbox[-1].to == ["third@ccas-test.fr"]


def test_one_open_request_per_address(agency):
    submit(agency=agency)
    submit(agency=agency)
    assert AccountRequest.objects.count() == 1


# --- decisions and permissions -----------------------------------------------------------------


def test_referent_approves_and_the_person_sets_a_password(client, agency, referent_a):
    request = pending_request(agency)
    user = call(onboarding.account_request_approve, request=request, actor=referent_a)
    assert user.kind == UserKind.SOCIAL_WORKER and user.agency == agency and user.is_active
    assert not user.has_usable_password()
    message = mail.outbox[-1]
    assert message.to == [request.email] and "prêt" in message.subject
    link = re.search(r"http://\S+(/mot-de-passe/nouveau/\S+/)", message.body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200 and "new_password1" in response.context["form"].fields
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_REQUEST_APPROVED).exists()
    with pytest.raises(OnboardingError, match="déjà été traitée"):
        call(onboarding.account_request_approve, request=request, actor=referent_a)


def test_referent_of_another_agency_cannot_decide(agency, referent_a, referent_b):
    request = pending_request(agency)
    with pytest.raises(OnboardingError):
        call(onboarding.account_request_approve, request=request, actor=referent_b)
    with pytest.raises(OnboardingError):
        call(onboarding.account_request_refuse, request=request, actor=referent_b, reason="Non")
    assert AccountRequest.objects.get().status == AccountRequestStatus.PENDING


def test_plain_social_worker_cannot_decide(agency, referent_a):
    colleague = UserFactory(social_worker=True, agency=agency)
    request = pending_request(agency)
    with pytest.raises(OnboardingError):
        call(onboarding.account_request_approve, request=request, actor=colleague)
    assert not perms.can(colleague, perms.Action.MANAGE_MEMBERS)


def test_programme_admin_approves_anything_at_a_chosen_agency(programme_admin, agency_b):
    submit(agency=None, unlisted_agency="CCAS inconnu")
    request = AccountRequest.objects.get()
    call(onboarding.account_request_verify, token=onboarding.verification_token(request))
    with pytest.raises(OnboardingError, match="Choisissez la structure"):
        call(onboarding.account_request_approve, request=request, actor=programme_admin)
    user = call(
        onboarding.account_request_approve, request=request, actor=programme_admin, agency=agency_b
    )
    assert user.agency == agency_b


def test_refusal_needs_a_reason_and_tells_the_person(agency, referent_a):
    request = pending_request(agency)
    with pytest.raises(OnboardingError, match="motif"):
        call(onboarding.account_request_refuse, request=request, actor=referent_a, reason="  ")
    call(
        onboarding.account_request_refuse,
        request=request,
        actor=referent_a,
        reason="Vous ne travaillez pas ici.",
    )
    assert "Vous ne travaillez pas ici." in mail.outbox[-1].body
    assert not User.objects.filter(email=request.email).exists()


def test_reminder_once_then_expiry_idempotent(agency, referent_a, settings):
    request = pending_request(agency)
    start = request.verified_at
    assert call(onboarding.account_requests_remind_and_expire, now=start + timedelta(days=13)) == (
        0,
        0,
    )
    remind_at = start + timedelta(days=settings.ONBOARDING_REMINDER_DAYS, hours=1)
    sent = len(mail.outbox)
    assert call(onboarding.account_requests_remind_and_expire, now=remind_at) == (1, 0)
    assert len(mail.outbox) == sent + 1 and "Rappel" in mail.outbox[-1].subject
    assert call(onboarding.account_requests_remind_and_expire, now=remind_at) == (0, 0)
    expiry = remind_at + timedelta(days=settings.ONBOARDING_EXPIRY_DAYS, hours=1)
    assert call(onboarding.account_requests_remind_and_expire, now=expiry) == (0, 1)
    assert call(onboarding.account_requests_remind_and_expire, now=expiry) == (0, 0)
    assert AccountRequest.objects.get().status == AccountRequestStatus.EXPIRED


def test_command_expires_unverified_requests(agency, settings):
    submit(agency=agency)
    AccountRequest.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.ONBOARDING_LINK_HOURS + 1)
    )
    call_command("expire_account_requests")
    assert AccountRequest.objects.get().status == AccountRequestStatus.EXPIRED


def test_decided_requests_are_deleted_after_the_retention(agency, referent_a, settings):
    refused = pending_request(agency)
    call(onboarding.account_request_refuse, request=refused, actor=referent_a, reason="Non")
    waiting = pending_request(agency, email="attend@ccas-test.fr")
    later = timezone.now() + timedelta(days=settings.ONBOARDING_RETENTION_DAYS)
    assert onboarding.account_requests_purge(now=later - timedelta(days=1)) == 0
    assert onboarding.account_requests_purge(now=later + timedelta(days=1)) == 1
    assert list(AccountRequest.objects.all()) == [waiting]
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCOUNT_REQUEST_REFUSED, object_id=str(refused.pk)
    ).exists()


# --- members -----------------------------------------------------------------------------------


def test_deactivated_member_cannot_log_in_and_referrals_stay(client, agency, referent_a, password):
    member = UserFactory(social_worker=True, agency=agency)
    referral = ReferralFactory(agency=agency, referrer=member)
    onboarding.member_deactivate(member=member, actor=referent_a)
    client.post("/connexion/", {"username": member.email, "password": password})
    assert not client.get("/connexion/").wsgi_request.user.is_authenticated
    referral.refresh_from_db()
    assert referral.agency == agency
    assert list(type(referral).objects.visible_to(referent_a).filter(pk=referral.pk)) == [referral]


def test_referent_manages_only_their_agency(agency, referent_a, social_worker_b):
    with pytest.raises(OnboardingError):
        onboarding.member_deactivate(member=social_worker_b, actor=referent_a)
    assert social_worker_b not in perms.members_for(referent_a)
    with pytest.raises(OnboardingError):
        onboarding.member_deactivate(member=referent_a, actor=referent_a)


def test_hand_over_the_referent_role(agency, referent_a):
    colleague = UserFactory(social_worker=True, agency=agency)
    onboarding.referent_hand_over(member=colleague, actor=referent_a)
    referent_a.refresh_from_db()
    colleague.refresh_from_db()
    assert colleague.is_referent and not referent_a.is_referent


# --- pages -------------------------------------------------------------------------------------


def test_pages_for_whom_may_and_may_not(client, agency, referent_a, social_worker_b, counsellor_a):
    request = pending_request(agency)
    member = UserFactory(social_worker=True, agency=agency)
    pages = [
        "/inscription/demandes/",
        f"/inscription/demandes/{request.pk}/",
        "/inscription/membres/",
        f"/inscription/membres/{member.pk}/desactiver/",
    ]
    client_for(client, referent_a)
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert "Camille Roux" in client.get("/inscription/demandes/").content.decode()
    for user in (social_worker_b, counsellor_a):
        client_for(client, user)
        for url in pages:
            assert client.get(url).status_code == 403, (user, url)
    referent_b = UserFactory(social_worker=True, agency=social_worker_b.agency, is_referent=True)
    client_for(client, referent_b)
    assert client.get(pages[1]).status_code == 404
    assert client.get(pages[3]).status_code == 404
    # Not the other agency's request (the referent's own generated name may be Camille).
    assert "Camille Roux" not in client.get(pages[0]).content.decode()


def test_approve_and_refuse_pages(client, agency, referent_a):
    first = pending_request(agency)
    second = pending_request(agency, email="dominique@ccas-test.fr")
    client_for(client, referent_a)
    response = client.post(f"/inscription/demandes/{first.pk}/approuver/")
    assert response["Location"] == "/inscription/demandes/"
    assert User.objects.filter(email=first.email, agency=agency).exists()
    response = client.post(f"/inscription/demandes/{second.pk}/refuser/", {"reason": ""})
    assert AccountRequest.objects.get(pk=second.pk).status == AccountRequestStatus.PENDING
    client.post(f"/inscription/demandes/{second.pk}/refuser/", {"reason": "Inconnu"})
    assert AccountRequest.objects.get(pk=second.pk).status == AccountRequestStatus.REFUSED


def test_pending_requests_page_query_count(client, agency, referent_a):
    client_for(client, referent_a)
    pending_request(agency)
    client.get("/inscription/demandes/")
    with CaptureQueriesContext(connection) as few:
        client.get("/inscription/demandes/")
    for n in range(5):
        pending_request(agency, email=f"p{n}@ccas-test.fr")
    with CaptureQueriesContext(connection) as more:
        client.get("/inscription/demandes/")
    assert len(more) == len(few)


def test_agency_search_by_name_and_siret(client):
    PartnerAgencyFactory(name="CCAS de Rouen", siret="73282932000074")
    PartnerAgencyFactory(name="Emmaüs Lille")
    names = lambda q: [  # noqa: E731
        a.name for a in client.get(f"/inscription/?q={q}").context["form"]["agency"].field.queryset
    ]
    assert names("rouen") == ["CCAS de Rouen"]
    assert names("7328 2932") == ["CCAS de Rouen"]
    assert names("emmaus") == ["Emmaüs Lille"]
