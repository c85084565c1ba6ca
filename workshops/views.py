from datetime import timedelta

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaries.models import Beneficiary
from beneficiaries.selectors import (
    beneficiary_by_member_number,
    beneficiary_search,
)
from connexions.errors import show_refusal
from connexions.forms import SearchForm, date_param, id_or_404
from connexions.pagination import paginate
from connexions.pdf import pdf_response
from connexions.periods import Period
from connexions.perms import Action, action_required, can, sees_every_site, sites_for
from workshops import selectors, services
from workshops.appointment_selectors import no_show_rates
from workshops.enums import SessionStatus
from workshops.forms import (
    AttendanceForm,
    FacilitatorForm,
    FiguresForm,
    SessionCancelForm,
    SessionEditForm,
    SessionFilterForm,
    SessionForm,
    TopicForm,
)
from workshops.models import Facilitator, Registration, WorkshopSession, WorkshopTopic
from workshops.perms import may_manage_topics
from workshops.services import WorkshopError

workshops_required = action_required(Action.WORKSHOPS)


def _render(request, template, context):
    """Render a page of this app, with what its tabs need."""
    context["may_view_figures"] = can(request.user, Action.VIEW_IMPACT)
    return render(request, template, context)


def _session(request, pk):
    try:
        return selectors.session_for_page(WorkshopSession.objects.visible_to(request.user), pk)
    except WorkshopSession.DoesNotExist:
        raise Http404 from None


# --- week view and list ------------------------------------------------------------------------


@workshops_required
def week(request):
    sites = sites_for(request.user, Action.WORKSHOPS)
    site = request.current_site
    if request.GET.get("site"):
        site = get_object_or_404(sites, pk=id_or_404(request.GET, "site"))
    elif site is None or not can(request.user, Action.WORKSHOPS, site):
        site = sites.first()
    if site is None:
        raise Http404
    day = date_param(request.GET, "semaine") or timezone.localdate()
    monday = selectors.monday_of(day)
    return _render(
        request,
        "workshops/week.html",
        {
            "site": site,
            "sites": sites,
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "days": selectors.week_sessions(site, monday),
            "today": timezone.localdate(),
        },
    )


@workshops_required
def session_list(request):
    form = SessionFilterForm(request.GET or None, user=request.user)
    sessions = (
        WorkshopSession.objects.visible_to(request.user)
        .with_counts()
        .select_related("topic", "site")
        .order_by("-starts_at")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            sessions = sessions.filter(topic__title__unaccent__icontains=data["q"])
        if data["site"]:
            sessions = sessions.filter(site=data["site"])
        if data["status"]:
            sessions = sessions.filter(status=data["status"])
        if data["start"]:
            sessions = sessions.filter(
                starts_at__gte=Period(data["start"], data["start"]).bounds()[0]
            )
        if data["end"]:
            sessions = sessions.filter(starts_at__lt=Period(data["end"], data["end"]).bounds()[1])
    return _render(
        request,
        "workshops/session_list.html",
        {"form": form, "page_obj": paginate(request, sessions)},
    )


# --- sessions ----------------------------------------------------------------------------------


@workshops_required
def session_create(request):
    initial = {"site": request.current_site, "first_day": request.GET.get("jour")}
    form = SessionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sessions = services.session_series_create(
                topic=data["topic"],
                site=data["site"],
                first_day=data["first_day"],
                start=data["start"],
                end=data["end"],
                room=data["room"],
                capacity=data["capacity"],
                facilitators=data["facilitators"],
                weeks=data["weeks"],
                actor=request.user,
            )
        except WorkshopError as error:
            show_refusal(request, error, form=form)
        else:
            if len(sessions) > 1:
                messages.success(
                    request,
                    _("%(count)d weekly sessions have been created.") % {"count": len(sessions)},
                )
            else:
                messages.success(request, _("The session has been created."))
            return redirect("workshops:session_detail", pk=sessions[0].pk)
    return _render(
        request, "workshops/form.html", {"form": form, "title": _("New workshop session")}
    )


@workshops_required
def session_detail(request, pk):
    session = _session(request, pk)
    groups = selectors.registrations_by_group(session)
    query = SearchForm(request.GET).query()
    candidates = None
    if query and session.status != SessionStatus.CANCELLED:
        scanned = beneficiary_by_member_number(query, user=request.user)
        candidates = [scanned] if scanned else list(beneficiary_search(request.user, query)[:10])
        present = {r.beneficiary_id for r in session.registrations.all() if r.is_active}
        candidates = [(b, b.pk in present) for b in candidates]
    return _render(
        request,
        "workshops/session_detail.html",
        {
            "session": session,
            "seated": groups["seated"],
            "waiting": groups["waiting"],
            "cancelled": groups["cancelled"],
            "free_seats": max(session.capacity - len(groups["seated"]), 0),
            "query": query,
            "candidates": candidates,
            "may_take_attendance": session.status != SessionStatus.CANCELLED
            and timezone.localtime(session.starts_at).date() <= timezone.localdate(),
        },
    )


@workshops_required
def session_edit(request, pk):
    session = _session(request, pk)
    form = SessionEditForm(
        request.POST or None,
        initial={
            "room": session.room,
            "capacity": session.capacity,
            "facilitators": list(session.facilitators.all()),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, actor=request.user, **form.cleaned_data)
        except WorkshopError as error:
            show_refusal(request, error, form=form)
        else:
            messages.success(request, _("The session has been saved."))
            return redirect("workshops:session_detail", pk=session.pk)
    return _render(
        request,
        "workshops/form.html",
        {"form": form, "title": _("Edit the session"), "session": session},
    )


@workshops_required
def session_cancel(request, pk):
    session = _session(request, pk)
    form = SessionCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(
                session=session, reason=form.cleaned_data["reason"], actor=request.user
            )
        except WorkshopError as error:
            show_refusal(request, error)
        else:
            messages.success(
                request, _("The session has been cancelled; the people registered are told.")
            )
        return redirect("workshops:session_detail", pk=session.pk)
    return _render(request, "workshops/session_cancel.html", {"form": form, "session": session})


@require_POST
@workshops_required
def session_register(request, pk):
    session = _session(request, pk)
    beneficiary = get_object_or_404(
        Beneficiary.objects.visible_to(request.user), pk=id_or_404(request.POST, "beneficiary")
    )
    try:
        registration = services.registration_create(
            session=session, beneficiary=beneficiary, actor=request.user
        )
    except WorkshopError as error:
        show_refusal(request, error)
    else:
        if registration.status == "waiting":
            messages.warning(
                request,
                _("The session is full: %(name)s is on the waiting list.")
                % {"name": beneficiary.full_name},
            )
        else:
            messages.success(
                request, _("%(name)s is registered.") % {"name": beneficiary.full_name}
            )
    return redirect("workshops:session_detail", pk=session.pk)


@workshops_required
def registration_cancel(request, pk):
    registration = get_object_or_404(
        Registration.objects.filter(
            session__in=WorkshopSession.objects.visible_to(request.user)
        ).select_related("beneficiary", "session__topic", "session__site"),
        pk=pk,
    )
    if request.method == "POST":
        try:
            services.registration_cancel(registration=registration, actor=request.user)
        except WorkshopError as error:
            show_refusal(request, error)
        else:
            messages.success(
                request,
                _("The registration of %(name)s has been cancelled.")
                % {"name": registration.beneficiary.full_name},
            )
        return redirect("workshops:session_detail", pk=registration.session_id)
    return _render(request, "workshops/registration_cancel.html", {"registration": registration})


@workshops_required
def attendance(request, pk):
    session = _session(request, pk)
    seated = selectors.registrations_by_group(session)["seated"]
    form = AttendanceForm(request.POST if request.method == "POST" else None, registrations=seated)
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(session=session, marks=form.marks(), actor=request.user)
        except WorkshopError as error:
            show_refusal(request, error, form=form)
        else:
            messages.success(request, _("Attendance has been recorded."))
            return redirect("workshops:session_detail", pk=session.pk)
    return _render(request, "workshops/attendance.html", {"form": form, "session": session})


@workshops_required
def attendance_sheet(request, pk):
    session = _session(request, pk)
    seated = selectors.registrations_by_group(session)["seated"]
    start = timezone.localtime(session.starts_at)
    return pdf_response(
        "workshops/attendance_sheet.html",
        {"session": session, "seated": seated, "blank_rows": range(max(3, 8 - len(seated)))},
        f"emargement-{start:%Y-%m-%d}-{session.pk}.pdf",
        request,
    )


# --- topics and facilitators -------------------------------------------------------------------


@workshops_required
def topic_list(request):
    topics = WorkshopTopic.objects.order_by("-is_active", "title")
    return _render(
        request,
        "workshops/topic_list.html",
        {"page_obj": paginate(request, topics), "may_manage": may_manage_topics(request.user)},
    )


@action_required(Action.MANAGE_TOPICS)
def topic_edit(request, pk=None):
    topic = get_object_or_404(WorkshopTopic, pk=pk) if pk else WorkshopTopic()
    form = TopicForm(request.POST or None, instance=topic)
    if request.method == "POST" and form.is_valid():
        services.topic_save(topic=form.save(commit=False), actor=request.user)
        messages.success(request, _("The topic has been saved."))
        return redirect("workshops:topic_list")
    return _render(request, "workshops/form.html", {"form": form, "title": _("Workshop topic")})


@workshops_required
def facilitator_list(request):
    facilitators = Facilitator.objects.select_related("user", "company").order_by(
        "-is_active", "company__name", "last_name", "user__last_name"
    )
    query = SearchForm(request.GET).query()
    if query:
        facilitators = facilitators.filter(
            Q(last_name__unaccent__icontains=query)
            | Q(user__last_name__unaccent__icontains=query)
            | Q(company__name__unaccent__icontains=query)
        )
    return _render(
        request,
        "workshops/facilitator_list.html",
        {"page_obj": paginate(request, facilitators), "query": query},
    )


@workshops_required
def facilitator_edit(request, pk=None):
    facilitator = get_object_or_404(Facilitator, pk=pk) if pk else Facilitator()
    form = FacilitatorForm(request.POST or None, instance=facilitator, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.facilitator_save(
                facilitator=form.save(commit=False),
                company_name=form.cleaned_data["company_name"],
                actor=request.user,
            )
        except WorkshopError as error:
            show_refusal(request, error, form=form)
        else:
            messages.success(request, _("The facilitator has been saved."))
            return redirect("workshops:facilitator_list")
    return _render(
        request,
        "workshops/facilitator_form.html",
        {"form": form, "companies": form.companies},
    )


# --- figures -----------------------------------------------------------------------------------


@action_required(Action.VIEW_IMPACT)
def figures(request):
    form = FiguresForm(request.GET or None, user=request.user)
    allowed = sites_for(request.user, Action.VIEW_IMPACT)
    if form.is_valid():
        period = Period(form.cleaned_data["start"], form.cleaned_data["end"])
        site = form.cleaned_data["site"]
    else:
        period, site = Period.year_to_date(), None
    sites = [site] if site else (None if sees_every_site(request.user) else allowed)
    return _render(
        request,
        "workshops/figures.html",
        {
            "form": form,
            "period": period,
            "figures": selectors.workshop_figures(period=period, sites=sites),
            "no_shows": no_show_rates(period=period, sites=sites),
        },
    )
