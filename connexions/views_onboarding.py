"""Self-service onboarding (`/inscription/`) and an agency's members, for its referents and the
programme admins. Thin views: connexions/onboarding.py does the writes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from connexions import onboarding, perms, proconnect
from connexions.errors import show_refusal
from connexions.forms_onboarding import (
    AccountRequestForm,
    ApprovalForm,
    RefusalForm,
    agencies_matching,
)
from connexions.models import PartnerAgency
from connexions.onboarding import OnboardingError
from connexions.proxy import client_ip

PAGE_SIZE = 25


@login_not_required
def request_account(request):
    """The public request form. With a ProConnect identity waiting in the session, the identity
    is the provider's and the agency is proposed from the SIRET."""
    identity = request.session.get(proconnect.IDENTITY_KEY)
    query = request.GET.get("q", "")
    agencies = agencies_matching(query)
    initial = {}
    if identity:
        initial = {
            "first_name": identity["given_name"],
            "last_name": identity["usual_name"],
            "email": identity["email"],
            "agency": PartnerAgency.objects.active().filter(siret=identity["siret"] or "-").first(),
        }
    form = AccountRequestForm(request.POST or None, initial=initial, agencies=agencies)
    if identity:
        for name in ("first_name", "last_name", "email"):
            form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if identity:
            try:
                onboarding.account_request_from_proconnect(
                    email=identity["email"],
                    first_name=identity["given_name"] or data["first_name"],
                    last_name=identity["usual_name"] or data["last_name"],
                    agency=data["agency"],
                    unlisted_agency=data["unlisted_agency"],
                    sub=identity["sub"],
                )
            except OnboardingError as error:
                show_refusal(request, error)
                return redirect("login")
            del request.session[proconnect.IDENTITY_KEY]
            return redirect("onboarding:sent_proconnect")
        onboarding.account_request_submit(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            agency=data["agency"],
            unlisted_agency=data["unlisted_agency"] if not data["agency"] else "",
            ip=client_ip(request),
        )
        return redirect("onboarding:sent")
    return render(
        request,
        "onboarding/request_form.html",
        {"form": form, "query": query, "identity": identity},
    )


@login_not_required
def request_sent(request, proconnect_identity=False):
    return render(request, "onboarding/request_sent.html", {"verified": proconnect_identity})


@login_not_required
def verify(request, token):
    """GET shows a button (mail scanners follow links), POST verifies."""
    if request.method == "POST":
        try:
            onboarding.account_request_verify(token=token)
        except OnboardingError as error:
            return render(request, "onboarding/verify.html", {"error": error.message})
        return render(request, "onboarding/verify.html", {"done": True})
    return render(request, "onboarding/verify.html", {})


def _require_manager(user):
    if not perms.can(user, perms.Action.MANAGE_MEMBERS):
        raise PermissionDenied


def requests_pending(request):
    _require_manager(request.user)
    pending = perms.account_requests_for(request.user).select_related("agency")
    page = Paginator(pending.order_by("verified_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "onboarding/request_list.html", {"page_obj": page})


def _pending_or_404(request, pk):
    _require_manager(request.user)
    return get_object_or_404(
        perms.account_requests_for(request.user).select_related("agency"), pk=pk
    )


def request_detail(request, pk, *, approval_form=None, refusal_form=None):
    account_request = _pending_or_404(request, pk)
    may_choose_agency = perms.sees_every_site(request.user)
    return render(
        request,
        "onboarding/request_detail.html",
        {
            "account_request": account_request,
            "approval_form": approval_form
            or ApprovalForm(
                initial={"agency": account_request.agency}, may_choose_agency=may_choose_agency
            ),
            "refusal_form": refusal_form or RefusalForm(),
        },
    )


@require_POST
def request_approve(request, pk):
    account_request = _pending_or_404(request, pk)
    form = ApprovalForm(request.POST, may_choose_agency=perms.sees_every_site(request.user))
    if not form.is_valid():
        return request_detail(request, pk, approval_form=form)
    try:
        user = onboarding.account_request_approve(
            request=account_request, actor=request.user, agency=form.cleaned_data.get("agency")
        )
    except OnboardingError as error:
        show_refusal(request, error, form=form)
        return request_detail(request, pk, approval_form=form)
    messages.success(
        request, _("The account of %(name)s is active.") % {"name": user.get_full_name()}
    )
    return redirect("onboarding:requests")


@require_POST
def request_refuse(request, pk):
    account_request = _pending_or_404(request, pk)
    form = RefusalForm(request.POST)
    if not form.is_valid():
        return request_detail(request, pk, refusal_form=form)
    try:
        onboarding.account_request_refuse(
            request=account_request, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except OnboardingError as error:
        show_refusal(request, error, form=form, field="reason")
        return request_detail(request, pk, refusal_form=form)
    messages.success(request, _("The request was refused; the person was told why."))
    return redirect("onboarding:requests")


def members(request):
    _require_manager(request.user)
    listed = perms.members_for(request.user).select_related("agency")
    page = Paginator(
        listed.order_by("-is_active", "agency__name", "last_name", "first_name"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "onboarding/member_list.html", {"page_obj": page})


def member_deactivate(request, pk):
    _require_manager(request.user)
    member = get_object_or_404(perms.members_for(request.user), pk=pk)
    if request.method == "POST":
        try:
            onboarding.member_deactivate(member=member, actor=request.user)
        except OnboardingError as error:
            show_refusal(request, error)
        else:
            messages.success(
                request,
                _("%(name)s can no longer log in; their referrals stay with the agency.")
                % {"name": member.get_full_name()},
            )
        return redirect("onboarding:members")
    return render(request, "onboarding/member_deactivate.html", {"member": member})


@require_POST
def member_make_referent(request, pk):
    _require_manager(request.user)
    member = get_object_or_404(perms.members_for(request.user), pk=pk)
    try:
        onboarding.referent_hand_over(member=member, actor=request.user)
    except OnboardingError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request, _("%(name)s is now a referent.") % {"name": member.get_full_name()}
        )
    if not perms.can(request.user, perms.Action.MANAGE_MEMBERS):
        return redirect("home")
    return redirect("onboarding:members")
