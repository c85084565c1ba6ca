from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaries import selectors, services
from beneficiaries.cards import barcode_data_uri
from beneficiaries.enums import AuditAction, ConsentKind, ReferralStatus
from beneficiaries.forms import (
    ConsentForm,
    DeclineForm,
    EnrolmentForm,
    FollowUpForm,
    MediationNoteForm,
    MediationOpenForm,
    MediationUpdateForm,
    ReferralFilterForm,
    ReferralForm,
    StaffReferralForm,
    SupportSessionForm,
)
from beneficiaries.models import Beneficiary, FollowUp, MediationCase, Referral
from beneficiaries.offers import spending_prefill
from beneficiaries.perms import may_handle, may_withdraw
from beneficiaries.sections import render_file_sections
from beneficiaries.subject_access import file_openings
from connexions.audit import audit_reads
from connexions.errors import show_refusal
from connexions.forms import SearchForm, date_param, id_or_404
from connexions.pagination import paginate
from connexions.pdf import pdf_response
from connexions.perms import Action, action_required, can

# --- referrals ---------------------------------------------------------------------------------


def referrals_home(request):
    """The menu's entry: social workers land on their agency's list, staff on their inbox."""
    if request.user.is_social_worker:
        return redirect("referrals:list")
    if can(request.user, Action.SUPPORT):
        return redirect("referrals:inbox")
    raise PermissionDenied


def _referral_list_context(request):
    referrals = Referral.objects.visible_to(request.user).select_related(
        "site", "agency", "referrer"
    )
    filters = ReferralFilterForm(request.GET or None)
    if filters.is_bound and not filters.is_valid():
        filters = ReferralFilterForm()  # a bad status is neither used nor shown back
    if filters.is_valid():
        if status := filters.cleaned_data["status"]:
            referrals = referrals.filter(status=status)
        if query := filters.cleaned_data["q"]:
            for word in query.split():
                referrals = referrals.filter(
                    Q(first_name__unaccent__icontains=word)
                    | Q(last_name__unaccent__icontains=word)
                    | Q(city__unaccent__icontains=word)
                )
    page_obj = paginate(request, referrals.order_by("-submitted_at", "-id"))
    page_obj.object_list = list(page_obj.object_list)
    outcomes = selectors.outcomes_for_referrals(page_obj.object_list)
    for referral in page_obj.object_list:
        referral.shared_outcomes = outcomes.get(referral.pk, [])
    return {"page_obj": page_obj, "filters": filters}


def referral_list(request):
    if not (can(request.user, Action.REFER) or can(request.user, Action.SUPPORT)):
        raise PermissionDenied
    return render(request, "beneficiaries/referral_list.html", _referral_list_context(request))


@action_required(Action.SUPPORT, at_current_site=True)
def referral_inbox(request):
    referrals = (
        Referral.objects.visible_to(request.user)
        .pending()
        .filter(site=request.current_site)
        .select_related("agency", "referrer")
        .order_by("submitted_at", "id")
    )
    return render(
        request,
        "beneficiaries/referral_inbox.html",
        {"page_obj": paginate(request, referrals)},
    )


def referral_create(request):
    user = request.user
    if user.is_social_worker:
        form_class, site = ReferralForm, None
    elif can(user, Action.SUPPORT, request.current_site):
        form_class, site = StaffReferralForm, request.current_site
    else:
        raise PermissionDenied
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_submit(
                actor=user,
                site=site or data["site"],
                person=form.person(),
                consent_attested=data["consent_attested"],
                agency=data.get("agency"),
                referrer_name=data.get("referrer_name", ""),
                referrer_email=data.get("referrer_email", ""),
                channel=data.get("channel", "portal"),
            )
        except services.ReferralError as error:
            show_refusal(request, error, form=form)
        else:
            messages.success(
                request,
                _("The referral of %(name)s was sent to %(site)s.")
                % {"name": referral.full_name, "site": referral.site.name},
            )
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, "beneficiaries/referral_form.html", {"form": form, "staff_site": site})


def referral_detail(request, pk):
    referral = get_object_or_404(
        Referral.objects.visible_to(request.user).select_related(
            "site", "agency", "referrer", "decided_by", "beneficiary"
        ),
        pk=pk,
    )
    outcomes = selectors.outcomes_for_referrals([referral]).get(referral.pk, [])
    staff = can(request.user, Action.SUPPORT)
    context = {
        "referral": referral,
        "outcomes": outcomes,
        "may_withdraw": may_withdraw(request.user, referral),
        "may_handle": may_handle(request.user, referral),
        "is_staff_view": staff,
    }
    return render(request, "beneficiaries/referral_detail.html", context)


def referral_withdraw(request, pk):
    referral = get_object_or_404(
        Referral.objects.visible_to(request.user).select_related("site"), pk=pk
    )
    if not can(request.user, Action.REFER):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.referral_withdraw(referral=referral, actor=request.user)
        except services.ReferralError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("The referral was withdrawn."))
        return redirect("referrals:detail", pk=referral.pk)
    return render(request, "beneficiaries/referral_withdraw.html", {"referral": referral})


def referral_decline(request, pk):
    referral = get_object_or_404(
        Referral.objects.visible_to(request.user).select_related("site", "agency"), pk=pk
    )
    if not can(request.user, Action.SUPPORT, referral.site):
        raise PermissionDenied
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_decline(
                referral=referral,
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
                actor=request.user,
            )
        except services.ReferralError as error:
            show_refusal(request, error)
            return redirect("referrals:detail", pk=referral.pk)
        messages.success(request, _("The referral was declined; the referrer is told by e-mail."))
        return redirect("referrals:inbox")
    return render(
        request, "beneficiaries/referral_decline.html", {"referral": referral, "form": form}
    )


# --- enrolment ---------------------------------------------------------------------------------


def _handled_referral(request, referral_pk):
    referral = get_object_or_404(
        Referral.objects.visible_to(request.user).select_related("site", "agency", "referrer"),
        pk=referral_pk,
    )
    if not can(request.user, Action.SUPPORT, referral.site):
        raise PermissionDenied
    return referral


@action_required(Action.SUPPORT, at_current_site=True)
def enrol(request, referral_pk):
    referral = _handled_referral(request, referral_pk)
    if referral.status != ReferralStatus.PENDING:
        messages.error(request, _("This referral was already handled."))
        return redirect("referrals:detail", pk=referral.pk)
    source = request.POST if request.method == "POST" else None
    person = {f: getattr(referral, f) for f in ("first_name", "last_name", "birth_date", "phone")}
    if source is not None:
        probe = EnrolmentForm(source)
        probe.is_valid()
        person = {**person, **{k: v for k, v in probe.cleaned_data.items() if k in person}}
    duplicates = list(selectors.possible_duplicates(**person)[:10])
    initial = {
        f: getattr(referral, f)
        for f in ("first_name", "last_name", "birth_date", "phone", "email", "city")
    }
    form = EnrolmentForm(source, initial=initial, duplicates_found=bool(duplicates))
    if source is not None and form.is_valid():
        try:
            beneficiary = services.beneficiary_enrol(
                referral=referral,
                person=form.person(),
                baseline=form.baseline(),
                consents=form.consents(),
                confirmed_new=form.cleaned_data.get("confirmed_new", False),
                actor=request.user,
                site=request.current_site,
            )
        except (services.BeneficiaryError, services.ReferralError) as error:
            show_refusal(request, error, form=form)
        else:
            messages.success(
                request,
                _("%(name)s is enrolled with number %(number)s.")
                % {"name": beneficiary.full_name, "number": beneficiary.number},
            )
            return redirect("beneficiaries:detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/enrol.html",
        {
            "referral": referral,
            "form": form,
            "duplicates": duplicates,
        },
    )


@require_POST
@action_required(Action.SUPPORT, at_current_site=True)
def enrol_link(request, referral_pk, pk):
    referral = _handled_referral(request, referral_pk)
    beneficiary = get_object_or_404(Beneficiary.objects.visible_to(request.user), pk=pk)
    try:
        services.referral_accept_for_existing(
            referral=referral,
            beneficiary=beneficiary,
            actor=request.user,
            site=request.current_site,
        )
    except services.ReferralError as error:
        show_refusal(request, error)
        return redirect("referrals:detail", pk=referral.pk)
    messages.success(
        request,
        _("The referral is accepted for %(name)s; their eligibility is renewed.")
        % {"name": beneficiary.full_name},
    )
    return redirect("beneficiaries:detail", pk=beneficiary.pk)


# --- beneficiaries -----------------------------------------------------------------------------


@action_required(Action.SUPPORT)
def beneficiary_search(request):
    query = SearchForm(request.GET).query()
    page_obj = paginate(request, selectors.beneficiary_search(request.user, query))
    audit_reads(
        actor=request.user,
        action=AuditAction.FILE_LISTED,
        objects=page_obj.object_list,
        site=request.current_site,
        via="search",
    )
    return render(
        request,
        "beneficiaries/beneficiary_search.html",
        {"page_obj": page_obj, "query": query},
    )


def _beneficiary(request, pk):
    if not can(request.user, Action.SUPPORT):
        raise PermissionDenied
    return get_object_or_404(
        Beneficiary.objects.visible_to(request.user).select_related(
            "enrolled_site", "enrolled_by", "enrolment_referral__agency"
        ),
        pk=pk,
    )


def beneficiary_detail(request, pk):
    beneficiary = _beneficiary(request, pk)
    services.file_viewed(beneficiary=beneficiary, actor=request.user, site=request.current_site)
    follow_ups = list(beneficiary.follow_ups.select_related("recorded_by"))
    for follow_up in follow_ups:
        follow_up.saving = (
            beneficiary.monthly_spending - follow_up.monthly_spending
            if follow_up.is_done and beneficiary.monthly_spending is not None
            else None
        )
    context = {
        "beneficiary": beneficiary,
        "consents": {c.kind: c for c in beneficiary.consents.all()},
        "consent_kinds": ConsentKind,
        "referrals": beneficiary.referrals.select_related("agency", "site", "referrer"),
        "support_sessions": beneficiary.support_sessions.select_related("counsellor", "site"),
        "follow_ups": follow_ups,
        "mediation_cases": beneficiary.mediation_cases.select_related("site"),
        "sections": render_file_sections(request, beneficiary),
        "today": timezone.localdate(),
        "may_erase": can(request.user, Action.ERASE_PERSONAL_DATA),
        "openings": file_openings(beneficiary, limit=5),
    }
    return render(request, "beneficiaries/beneficiary_detail.html", context)


def member_card(request, pk):
    beneficiary = _beneficiary(request, pk)
    services.file_viewed(beneficiary=beneficiary, actor=request.user, site=request.current_site)
    return pdf_response(
        "beneficiaries/member_card.html",
        {"beneficiary": beneficiary, "barcode": barcode_data_uri(beneficiary.scan_code)},
        f"carte-{beneficiary.number}.pdf",
        request,
        stylesheets=("css/member_card.css",),
    )


@action_required(Action.SUPPORT, at_current_site=True)
def consents_edit(request, pk):
    beneficiary = _beneficiary(request, pk)
    current = {c.kind: c.granted for c in beneficiary.consents.all()}
    form = ConsentForm(
        request.POST or None, initial={f"consent_{k}": v for k, v in current.items()}
    )
    if request.method == "POST" and form.is_valid():
        services.consents_update(
            beneficiary=beneficiary,
            consents=form.consents(),
            actor=request.user,
            site=request.current_site,
        )
        messages.success(request, _("The consents were updated."))
        return redirect("beneficiaries:detail", pk=beneficiary.pk)
    return render(
        request, "beneficiaries/consents_form.html", {"beneficiary": beneficiary, "form": form}
    )


@action_required(Action.SUPPORT, at_current_site=True)
def support_session_create(request, pk):
    beneficiary = _beneficiary(request, pk)
    # An appointment marked done opens this form with its date and length (?date=&duree=).
    minutes = request.GET.get("duree", "")
    initial = {
        "date": date_param(request.GET, "date") or timezone.localdate(),
        "duration_minutes": int(minutes) if minutes.isdigit() and len(minutes) <= 3 else None,
    }
    form = SupportSessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.support_session_record(
            beneficiary=beneficiary,
            day=data["date"],
            topics=data["topics"],
            duration_minutes=data["duration_minutes"],
            notes=data["notes"],
            actor=request.user,
            site=request.current_site,
        )
        messages.success(request, _("The support session was recorded."))
        return redirect("beneficiaries:detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/simple_form.html",
        {"beneficiary": beneficiary, "form": form, "title": _("Record a support session")},
    )


@action_required(Action.SUPPORT, at_current_site=True)
def follow_up_create(request, pk):
    beneficiary = _beneficiary(request, pk)
    planned = None
    if request.GET.get("suivi"):
        planned = get_object_or_404(
            FollowUp.objects.filter(beneficiary=beneficiary, done_on__isnull=True),
            pk=id_or_404(request.GET, "suivi"),
        )
    initial = {"done_on": timezone.localdate()}
    prefill = spending_prefill(beneficiary)
    form = FollowUpForm(request.POST or None, initial=initial)
    if prefill is not None:
        # The offers subscribed with help since the latest follow-up: the counsellor confirms.
        form.fields["monthly_spending"].initial = prefill[0]
        form.fields["monthly_spending"].help_text = _(
            "Prefilled from the offers subscribed with help (%(offers)s): confirm or correct."
        ) % {
            "offers": ", ".join(
                f"{o.get_kind_display()}, {o.get_operator_display()}" for o in prefill[1]
            )
        }
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_record(
                beneficiary=beneficiary,
                situation=form.situation(),
                done_on=form.cleaned_data["done_on"],
                follow_up=planned,
                actor=request.user,
                site=request.current_site,
            )
        except services.BeneficiaryError as error:
            show_refusal(request, error, form=form)
        else:
            messages.success(request, _("The follow-up was recorded."))
            return redirect("beneficiaries:detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/simple_form.html",
        {"beneficiary": beneficiary, "form": form, "title": _("Record a follow-up")},
    )


@action_required(Action.SUPPORT, at_current_site=True)
def mediation_create(request, pk):
    beneficiary = _beneficiary(request, pk)
    form = MediationOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = services.mediation_open(
            beneficiary=beneficiary,
            actor=request.user,
            site=request.current_site,
            **form.cleaned_data,
        )
        messages.success(request, _("The mediation case was opened."))
        return redirect("beneficiaries:mediation", pk=case.pk)
    return render(
        request,
        "beneficiaries/simple_form.html",
        {"beneficiary": beneficiary, "form": form, "title": _("Open a mediation case")},
    )


def mediation_detail(request, pk):
    if not can(request.user, Action.SUPPORT):
        raise PermissionDenied
    case = get_object_or_404(
        MediationCase.objects.visible_to(request.user).select_related(
            "beneficiary", "site", "opened_by"
        ),
        pk=pk,
    )
    if case.is_active:
        form = MediationUpdateForm(
            request.POST or None,
            initial={
                "status": case.status,
                "agreement_kind": case.agreement_kind,
                "amount_written_off": case.amount_written_off,
                "monthly_instalment": case.monthly_instalment,
                "instalment_months": case.instalment_months,
                "next_action_on": case.next_action_on,
            },
        )
    else:
        form = MediationNoteForm(request.POST or None)
    if request.method == "POST":
        if not can(request.user, Action.SUPPORT, request.current_site):
            raise PermissionDenied
        if form.is_valid():
            try:
                if case.is_active:
                    services.mediation_update(
                        case=case,
                        actor=request.user,
                        site=request.current_site,
                        **form.cleaned_data,
                    )
                else:
                    services.mediation_note_add(
                        case=case,
                        text=form.cleaned_data["note"],
                        actor=request.user,
                        site=request.current_site,
                    )
            except services.BeneficiaryError as error:
                show_refusal(request, error, form=form)
            else:
                messages.success(request, _("The mediation case was updated."))
                return redirect("beneficiaries:mediation", pk=case.pk)
    services.file_viewed(
        beneficiary=case.beneficiary,
        actor=request.user,
        site=request.current_site,
        mediation_case=case.pk,
    )
    return render(
        request,
        "beneficiaries/mediation_detail.html",
        {"case": case, "form": form, "notes": case.notes.select_related("author")},
    )


@action_required(Action.SUPPORT, at_current_site=True)
def follow_ups_due(request):
    page_obj = paginate(request, selectors.follow_ups_due(request.current_site))
    return render(request, "beneficiaries/follow_ups_due.html", {"page_obj": page_obj})


@action_required(Action.SUPPORT, at_current_site=True)
def mediation_actions_due(request):
    page_obj = paginate(request, selectors.mediation_actions_due(request.current_site))
    return render(request, "beneficiaries/mediation_actions_due.html", {"page_obj": page_obj})
