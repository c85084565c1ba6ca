from datetime import time, timedelta

import icalendar
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaries.enums import ReferralStatus
from beneficiaries.models import Beneficiary, FollowUp, Referral
from connexions.errors import show_refusal
from connexions.forms import date_param, id_or_404
from connexions.perms import Action, action_required, can, sites_for
from workshops import appointment_selectors as selectors
from workshops import appointment_services as services
from workshops.appointment_forms import STATUS_BUTTONS, KindForm, SlotForm, StatusForm
from workshops.enums import (
    APPOINTMENT_TRANSITIONS,
    AppointmentKind,
    AppointmentMessageStatus,
    AppointmentStatus,
)
from workshops.models import Appointment, CalendarFeed
from workshops.selectors import monday_of

support_required = action_required(Action.SUPPORT)


def _site(request):
    """The site asked for (`?site=`) among the user's, else their current one, else their first."""
    sites = sites_for(request.user, Action.SUPPORT)
    if request.GET.get("site"):
        return get_object_or_404(sites, pk=id_or_404(request.GET, "site")), sites
    site = request.current_site
    if site is None or not can(request.user, Action.SUPPORT, site):
        site = sites.first()
    if site is None:
        raise Http404
    return site, sites


def _appointment(request, pk):
    return get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related(
            "site", "counsellor", "beneficiary", "referral"
        ),
        pk=pk,
    )


# --- agendas -----------------------------------------------------------------------------------


@support_required
def day(request):
    site, sites = _site(request)
    shown = date_param(request.GET, "jour") or timezone.localdate()
    return render(
        request,
        "workshops/appointments/day.html",
        {
            "site": site,
            "sites": sites,
            "day": shown,
            "previous": shown - timedelta(days=1),
            "next": shown + timedelta(days=1),
            "appointments": selectors.day_appointments(site, shown),
        },
    )


@support_required
def week(request):
    sites = sites_for(request.user, Action.SUPPORT)
    counsellors = selectors.staff_of(sites)
    counsellor = request.user
    if request.GET.get("conseiller"):
        counsellor = get_object_or_404(counsellors, pk=id_or_404(request.GET, "conseiller"))
    monday = monday_of(date_param(request.GET, "semaine") or timezone.localdate())
    return render(
        request,
        "workshops/appointments/week.html",
        {
            "counsellor": counsellor,
            "counsellors": counsellors,
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "days": selectors.week_appointments(counsellor, monday, sites),
        },
    )


# --- booking -----------------------------------------------------------------------------------


def _booking_subject(request):
    """(person, referral, appointment being moved) named by the query string."""
    data = request.GET
    if data.get("deplacer"):
        moved = get_object_or_404(
            Appointment.objects.visible_to(request.user).active(), pk=id_or_404(data, "deplacer")
        )
        return moved.beneficiary, moved.referral, moved
    if data.get("orientation"):
        referral = get_object_or_404(
            Referral.objects.visible_to(request.user).filter(
                status__in=[ReferralStatus.PENDING, ReferralStatus.ACCEPTED]
            ),
            pk=id_or_404(data, "orientation"),
        )
        if referral.beneficiary_id:
            return referral.beneficiary, None, None
        return None, referral, None
    if data.get("beneficiaire"):
        person = get_object_or_404(
            Beneficiary.objects.visible_to(request.user), pk=id_or_404(data, "beneficiaire")
        )
        return person, None, None
    raise Http404


def _default_kind(request, referral, moved) -> str:
    if moved is not None:
        return moved.kind
    if referral is not None:
        return AppointmentKind.ENROLMENT
    asked = request.GET.get("type", "")
    return asked if asked in AppointmentKind.values else AppointmentKind.SUPPORT


@support_required
def book(request):
    beneficiary, referral, moved = _booking_subject(request)
    if moved is not None:
        site = moved.site
    else:
        site, _sites = _site(request)
    kind_form = KindForm(
        {
            "type": _default_kind(request, referral, moved),
            "a_partir_du": request.GET.get("a_partir_du", ""),
        }
    )
    kind_form.is_valid()
    kind = kind_form.cleaned_data.get("type") or AppointmentKind.SUPPORT
    if moved is not None:
        kind = moved.kind
    after = timezone.now()
    start_day = kind_form.cleaned_data.get("a_partir_du")
    if start_day:
        after = max(after, selectors.local(start_day, time.min))
    slots = selectors.free_slots(site=site, kind=kind, after=after)
    form = SlotForm(request.POST or None, slots=slots)
    if request.method == "POST" and form.is_valid():
        counsellor_id, starts_at = form.cleaned_data["slot"]
        counsellor = selectors.site_counsellors(site).filter(pk=counsellor_id).first()
        try:
            if counsellor is None:
                raise services.AppointmentError(
                    _("This counsellor does not receive people at this site.")
                )
            if moved is not None:
                appointment = services.appointment_reschedule(
                    appointment=moved,
                    counsellor=counsellor,
                    starts_at=starts_at,
                    actor=request.user,
                )
            else:
                appointment = services.appointment_book(
                    site=site,
                    counsellor=counsellor,
                    kind=kind,
                    starts_at=starts_at,
                    beneficiary=beneficiary,
                    referral=referral,
                    actor=request.user,
                )
        except services.AppointmentError as error:
            show_refusal(request, error, form=form)
        else:
            messages.success(request, _("The appointment is booked."))
            _tell_to_call(request, appointment)
            return redirect("appointments:detail", pk=appointment.pk)
    return render(
        request,
        "workshops/appointments/book.html",
        {
            "site": site,
            "person": beneficiary or referral,
            "referral": referral,
            "moved": moved,
            "kind_form": kind_form,
            "kind_label": AppointmentKind(kind).label,
            "form": form,
            "slots": slots,
            "later": (
                timezone.localtime(slots[-1].starts_at).date() + timedelta(days=1)
                if slots
                else None
            ),
            "query": urlencode(
                {
                    k: v
                    for k, v in request.GET.items()
                    if k in {"beneficiaire", "orientation", "deplacer"}
                }
            ),
        },
    )


def _tell_to_call(request, appointment):
    if appointment.messages.filter(status=AppointmentMessageStatus.TO_CALL).exists():
        messages.warning(
            request,
            _("The person has neither SMS nor e-mail: call them to tell them about it."),
        )


# --- one appointment ---------------------------------------------------------------------------


@support_required
def detail(request, pk):
    appointment = _appointment(request, pk)
    allowed = APPOINTMENT_TRANSITIONS[AppointmentStatus(appointment.status)]
    return render(
        request,
        "workshops/appointments/detail.html",
        {
            "appointment": appointment,
            "buttons": [s for s in STATUS_BUTTONS if s in allowed],
            "messages_sent": appointment.messages.all(),
            "may_move": appointment.is_active and appointment.status != AppointmentStatus.ARRIVED,
            "enrol_referral": (
                appointment.referral
                if appointment.referral_id and appointment.referral.status == ReferralStatus.PENDING
                else None
            ),
        },
    )


def _after_done(appointment):
    """Where "done" leads: the record the appointment calls for, prefilled."""
    person = appointment.beneficiary or (
        appointment.referral.beneficiary if appointment.referral_id else None
    )
    if person is None:
        if appointment.referral.status == ReferralStatus.PENDING:
            return reverse("beneficiaries:enrol", args=[appointment.referral_id])
        return None
    start = timezone.localtime(appointment.starts_at)
    if appointment.kind == AppointmentKind.SUPPORT:
        minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
        return (
            reverse("beneficiaries:support_create", args=[person.pk])
            + "?"
            + urlencode({"date": start.date().isoformat(), "duree": minutes})
        )
    if appointment.kind == AppointmentKind.FOLLOW_UP:
        planned = (
            FollowUp.objects.filter(beneficiary=person, done_on__isnull=True)
            .order_by("due_on")
            .first()
        )
        url = reverse("beneficiaries:follow_up_create", args=[person.pk])
        return url + (f"?suivi={planned.pk}" if planned else "")
    return None


@require_POST
@support_required
def set_status(request, pk):
    appointment = _appointment(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("appointments:detail", pk=pk)
    try:
        appointment = services.appointment_set_status(
            appointment=appointment, status=form.cleaned_data["status"], actor=request.user
        )
    except services.AppointmentError as error:
        show_refusal(request, error)
        return redirect("appointments:detail", pk=pk)
    messages.success(
        request,
        _("Appointment: %(status)s.") % {"status": appointment.get_status_display().lower()},
    )
    if appointment.status == AppointmentStatus.DONE:
        url = _after_done(appointment)
        if url:
            return redirect(url)
    if appointment.status in services.CANCELLED:
        _tell_to_call(request, appointment)
    return redirect("appointments:detail", pk=pk)


# --- calendar feed -----------------------------------------------------------------------------


@support_required
def calendar(request):
    feed = services.calendar_feed_for(request.user)
    return render(
        request,
        "workshops/appointments/calendar.html",
        {"url": request.build_absolute_uri(reverse("appointments:ical", args=[feed.token]))},
    )


@require_POST
@support_required
def calendar_reset(request):
    services.calendar_token_reset(actor=request.user)
    messages.success(request, _("Your calendar has a new address: the old one no longer works."))
    return redirect("appointments:calendar")


@login_not_required
def ical(request, token):
    """A counsellor's appointments for calendar apps: times and kinds only, never a name."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("counsellor"), token=token)
    if not feed.counsellor.is_active:
        raise Http404
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Connexions//Rendez-vous//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Connexions appointments"))
    now = timezone.now()
    for appointment in selectors.feed_appointments(feed.counsellor, now):
        event = icalendar.Event()
        event.add("uid", f"rendez-vous-{appointment.pk}@connexions")
        event.add("dtstamp", now)
        event.add("dtstart", appointment.starts_at)
        event.add("dtend", appointment.ends_at)
        event.add("summary", appointment.get_kind_display())
        event.add("location", appointment.site.name)
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
