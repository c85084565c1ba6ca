"""Self-service onboarding of social workers and the management of an agency's members by its
referents (docs/architecture.md, "Onboarding").

A request is verified by an e-mail link (or by ProConnect, which vouches for the address), then
goes to the agency's referents when the agency has some and declared the address's domain, else to
the programme admins. Approval creates the account; the person sets a password from the e-mail
(or signs in with ProConnect)."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from connexions import onboarding_mail as mail
from connexions import perms
from connexions.audit import audit_log
from connexions.enums import AccountRequestStatus, AuditAction, UserKind
from connexions.errors import DomainError
from connexions.models import AccountRequest, OnboardingAttempt, PartnerAgency, User

THROTTLE_WINDOW = timedelta(hours=1)
_LINK_SALT = "connexions.onboarding.verify"
OPEN = [AccountRequestStatus.UNVERIFIED, AccountRequestStatus.PENDING]


class OnboardingError(DomainError):
    pass


# --- requests ----------------------------------------------------------------------------------


def account_request_submit(
    *,
    email: str,
    first_name: str,
    last_name: str,
    agency: PartnerAgency | None,
    unlisted_agency: str = "",
    ip: str | None,
) -> None:
    """A request from the public form. Silent whatever happens (throttled, address already known,
    request already open): the caller shows the same page, so the form reveals no account."""
    email = email.strip().lower()
    if not _within_limits(_digest(email), ip):
        return
    _create_request(
        email=email,
        first_name=first_name,
        last_name=last_name,
        agency=agency,
        unlisted_agency=unlisted_agency,
    )


@transaction.atomic(durable=True)
def _create_request(**fields) -> None:
    email = fields["email"]
    if User.objects.filter(email=email).exists():
        transaction.on_commit(lambda: mail.send_already_registered.enqueue(email))
        return
    try:
        with transaction.atomic():
            request = AccountRequest.objects.create(**fields)
    except IntegrityError:
        return  # a request from this address is already open
    audit_log(actor=None, action=AuditAction.ACCOUNT_REQUESTED, obj=request)
    token = verification_token(request)
    transaction.on_commit(lambda: mail.send_verification.enqueue(request.pk, token))


@transaction.atomic(durable=True)
def account_request_from_proconnect(
    *,
    email: str,
    first_name: str,
    last_name: str,
    agency: PartnerAgency | None,
    unlisted_agency: str = "",
    sub: str,
) -> AccountRequest:
    """A request from a ProConnect identity not known yet: the provider vouches for the address,
    so it skips the e-mail link and goes straight to its approvers."""
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise OnboardingError(_("An account already exists for this address: log in with it."))
    request = (
        AccountRequest.objects.select_for_update().filter(email=email, status__in=OPEN).first()
    )
    if request is not None and request.status == AccountRequestStatus.PENDING:
        raise OnboardingError(_("Your request is already waiting for approval."))
    if request is None:
        request = AccountRequest(email=email)
    request.first_name, request.last_name, request.agency = first_name, last_name, agency
    request.unlisted_agency = "" if agency else unlisted_agency
    request.proconnect_sub = sub
    request.save()
    audit_log(actor=None, action=AuditAction.ACCOUNT_REQUESTED, obj=request, proconnect=True)
    _route(request)
    return request


def verification_token(request: AccountRequest) -> str:
    return signing.dumps(request.pk, salt=_LINK_SALT, compress=True)


@transaction.atomic(durable=True)
def account_request_verify(*, token: str) -> AccountRequest:
    """The person followed the e-mail link: the request goes to its approvers."""
    max_age = timedelta(hours=settings.ONBOARDING_LINK_HOURS)
    try:
        pk = signing.loads(token, salt=_LINK_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise OnboardingError(_("This link has expired. Please make a new request.")) from None
    except signing.BadSignature:
        raise OnboardingError(_("This link is not valid.")) from None
    request = AccountRequest.objects.select_for_update().filter(pk=pk).first()
    if request is None or request.status != AccountRequestStatus.UNVERIFIED:
        raise OnboardingError(_("This link was already used."))
    _route(request)
    return request


def _route(request: AccountRequest) -> None:
    agency = request.agency
    request.for_referents = bool(
        agency
        and agency.is_active
        and agency.accepts_domain(request.email)
        and referents_of(agency).exists()
    )
    request.status = AccountRequestStatus.PENDING
    request.verified_at = timezone.now()
    request.save(update_fields=["for_referents", "status", "verified_at"])
    audit_log(actor=None, action=AuditAction.ACCOUNT_REQUEST_VERIFIED, obj=request)
    transaction.on_commit(lambda: mail.send_to_approvers.enqueue(request.pk, "new"))


def referents_of(agency: PartnerAgency):
    return User.objects.filter(
        agency=agency, is_referent=True, is_active=True, kind=UserKind.SOCIAL_WORKER
    )


def approvers_of(request: AccountRequest):
    if request.for_referents:
        return referents_of(request.agency)
    return User.objects.filter(kind=UserKind.PROGRAMME_ADMIN, is_active=True)


# --- decisions ---------------------------------------------------------------------------------


def may_decide(user, request: AccountRequest) -> bool:
    """Programme admins decide every request; a referent those routed to their own agency."""
    return perms.account_requests_for(user).filter(pk=request.pk).exists()


def _locked_pending(request: AccountRequest, actor) -> AccountRequest:
    request = AccountRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != AccountRequestStatus.PENDING:
        raise OnboardingError(_("This request was already handled."))
    if not may_decide(actor, request):
        raise OnboardingError(_("You may not decide on this request."))
    return request


@transaction.atomic(durable=True)
def account_request_approve(
    *, request: AccountRequest, actor, agency: PartnerAgency | None = None
) -> User:
    """Create the social worker's account at the request's agency (a programme admin may choose
    another one, e.g. for "my agency is not listed") and tell the person."""
    request = _locked_pending(request, actor)
    if agency is not None and agency != request.agency:
        if not actor.is_programme_admin:
            raise OnboardingError(_("Only a programme admin may change the agency."))
        request.agency = agency
    if request.agency is None or not request.agency.is_active:
        raise OnboardingError(_("Choose the agency this person works for."))
    if User.objects.filter(email=request.email).exists():
        raise OnboardingError(_("An account already exists for this address."))
    user = User(
        email=request.email,
        first_name=request.first_name,
        last_name=request.last_name,
        kind=UserKind.SOCIAL_WORKER,
        agency=request.agency,
        proconnect_sub=request.proconnect_sub or None,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    request.status = AccountRequestStatus.APPROVED
    request.decided_at, request.decided_by, request.user = timezone.now(), actor, user
    request.save()
    audit_log(actor=actor, action=AuditAction.ACCOUNT_REQUEST_APPROVED, obj=request)
    transaction.on_commit(lambda: mail.send_decision.enqueue(request.pk))
    return user


@transaction.atomic(durable=True)
def account_request_refuse(*, request: AccountRequest, actor, reason: str) -> AccountRequest:
    if not reason.strip():
        raise OnboardingError(_("Give the reason for the refusal; the person will read it."))
    request = _locked_pending(request, actor)
    request.status = AccountRequestStatus.REFUSED
    request.decided_at, request.decided_by = timezone.now(), actor
    request.refusal_reason = reason.strip()
    request.save()
    audit_log(actor=actor, action=AuditAction.ACCOUNT_REQUEST_REFUSED, obj=request)
    transaction.on_commit(lambda: mail.send_decision.enqueue(request.pk))
    return request


@transaction.atomic(durable=True)
def account_requests_remind_and_expire(*, now=None) -> tuple[int, int]:
    """Pending requests unanswered for ONBOARDING_REMINDER_DAYS are reminded to their approvers
    once; ONBOARDING_EXPIRY_DAYS after the reminder they expire. Unverified requests expire with
    their link. Idempotent: each step is a conditional update. Returns (reminded, expired)."""
    now = now or timezone.now()
    reminder_due = now - timedelta(days=settings.ONBOARDING_REMINDER_DAYS)
    expiry_due = now - timedelta(days=settings.ONBOARDING_EXPIRY_DAYS)
    link_due = now - timedelta(hours=settings.ONBOARDING_LINK_HOURS)
    expired = list(
        AccountRequest.objects.select_for_update(skip_locked=True).filter(
            Q(status=AccountRequestStatus.PENDING, reminded_at__lt=expiry_due)
            | Q(status=AccountRequestStatus.UNVERIFIED, created_at__lt=link_due)
        )
    )
    for request in expired:
        request.status = AccountRequestStatus.EXPIRED
        request.decided_at = now
        request.save(update_fields=["status", "decided_at"])
        audit_log(actor=None, action=AuditAction.ACCOUNT_REQUEST_EXPIRED, obj=request)
    reminded = list(
        AccountRequest.objects.select_for_update(skip_locked=True).filter(
            status=AccountRequestStatus.PENDING, reminded_at=None, verified_at__lt=reminder_due
        )
    )
    for request in reminded:
        request.reminded_at = now
        request.save(update_fields=["reminded_at"])
        transaction.on_commit(lambda pk=request.pk: mail.send_to_approvers.enqueue(pk, "reminder"))
    return len(reminded), len(expired)


@transaction.atomic(durable=True)
def account_requests_purge(*, now=None) -> int:
    """Requests decided (approved, refused, expired) more than ONBOARDING_RETENTION_DAYS ago are
    deleted: they hold the names and addresses of people who may have no account. The audit log
    keeps their ids only."""
    since = (now or timezone.now()) - timedelta(days=settings.ONBOARDING_RETENTION_DAYS)
    deleted, _ = AccountRequest.objects.filter(
        status__in=[
            AccountRequestStatus.APPROVED,
            AccountRequestStatus.REFUSED,
            AccountRequestStatus.EXPIRED,
        ],
        decided_at__lt=since,
    ).delete()
    return deleted


# --- members of an agency ----------------------------------------------------------------------


def _locked_member(member: User, actor) -> User:
    member = User.objects.select_for_update().get(pk=member.pk)
    if not member.is_social_worker or not perms.can_manage_members(actor, member.agency):
        raise OnboardingError(_("You may not manage this account."))
    return member


@transaction.atomic(durable=True)
def member_deactivate(*, member: User, actor) -> User:
    """The person left the agency: they can no longer log in; their referrals stay with the
    agency (referrals belong to the agency, the referrer is kept for the record)."""
    member = _locked_member(member, actor)
    if member == actor:
        raise OnboardingError(_("You cannot deactivate your own account."))
    if not member.is_active:
        raise OnboardingError(_("This account is already deactivated."))
    member.is_active = False
    member.is_referent = False
    member.save(update_fields=["is_active", "is_referent"])
    audit_log(actor=actor, action=AuditAction.MEMBER_DEACTIVATED, obj=member)
    return member


@transaction.atomic(durable=True)
def referent_hand_over(*, member: User, actor) -> User:
    """`member` becomes a referent of their agency; a referent who hands over stops being one
    (a programme admin just appoints)."""
    member = _locked_member(member, actor)
    if not member.is_active:
        raise OnboardingError(_("This account is deactivated."))
    if member.is_referent:
        raise OnboardingError(_("This person is already a referent."))
    member.is_referent = True
    member.save(update_fields=["is_referent"])
    if actor.is_social_worker and actor != member:
        User.objects.filter(pk=actor.pk).update(is_referent=False)
        actor.is_referent = False
    audit_log(actor=actor, action=AuditAction.REFERENT_HANDED_OVER, obj=member)
    return member


# --- throttle ----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def _within_limits(digest: str, ip: str | None) -> bool:
    since = timezone.now() - THROTTLE_WINDOW
    OnboardingAttempt.objects.filter(at__lt=since).delete()
    recent = OnboardingAttempt.objects.filter(at__gte=since)
    if recent.filter(email_digest=digest).count() >= settings.ONBOARDING_PER_EMAIL:
        return False
    if ip and recent.filter(ip_address=ip).count() >= settings.ONBOARDING_PER_IP:
        return False
    OnboardingAttempt.objects.create(email_digest=digest, ip_address=ip)
    return True


def _digest(email: str) -> str:
    return salted_hmac("connexions.onboarding", email, algorithm="sha256").hexdigest()
