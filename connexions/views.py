from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from connexions import perms, proconnect
from connexions.enums import UserKind
from connexions.forms import id_or_404
from connexions.middleware import CURRENT_SITE_KEY, renew_idle_session
from connexions.models import PartnerAgency, ReceptionSite, User
from connexions.password_reset import password_reset_request
from connexions.proxy import client_ip
from connexions.registry import home_widgets


@login_not_required
def accessibility_statement(request):
    return render(
        request,
        "connexions/accessibility.html",
        {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL},
    )


def keep_alive(request):
    """Renews the idle session now (other requests do at most once a minute); the idle-logout
    dialog's "Rester connecté" calls it."""
    renew_idle_session(request, force=True)
    return HttpResponse(status=204)


@login_not_required
def favicon(request):
    return redirect(static("favicon.svg"), permanent=True)


@login_not_required
def information_notice(request):
    """What the programme collects about a person, why, for how long, who sees it and their
    rights: read or printed at enrolment, linked from every file and from the footer."""
    return render(
        request,
        "information_notice.html",
        {
            "beneficiary_months": settings.RETENTION_BENEFICIARY_MONTHS,
            "referral_months": settings.RETENTION_CLOSED_REFERRAL_MONTHS,
            "read_months": settings.RETENTION_READ_AUDIT_MONTHS,
            "consent_version": settings.CONSENT_TEXT_VERSION,
        },
    )


def home(request):
    user = request.user
    context = {"widgets": home_widgets(request)}
    if perms.sees_every_site(user):
        context["sites"] = ReceptionSite.objects.annotate(
            staff_count=Count("memberships", distinct=True)
        ).order_by("name")
        context["agency_count"] = PartnerAgency.objects.active().count()
        context["user_counts"] = User.objects.filter(is_active=True).aggregate(
            staff=Count("pk", filter=Q(kind=UserKind.SITE_STAFF)),
            social_workers=Count("pk", filter=Q(kind=UserKind.SOCIAL_WORKER)),
        )
        template = "connexions/home_admin.html"
    elif user.is_social_worker:
        context["agency"] = user.agency
        template = "connexions/home_social_worker.html"
    else:
        context["memberships"] = sorted(perms.memberships(user).values(), key=lambda m: m.site.name)
        template = "connexions/home_staff.html"
    return render(request, template, context)


@require_POST
def switch_site(request):
    site = perms.working_sites(request.user).filter(pk=id_or_404(request.POST, "site")).first()
    if site is None:
        messages.error(request, _("You do not work at that reception site."))
    else:
        request.session[CURRENT_SITE_KEY] = site.pk
        messages.success(request, _("You are now working at %(site)s.") % {"site": site.name})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "home"
    return redirect(next_url)


class PasswordResetView(auth_views.PasswordResetView):
    """The same page follows for any address, known, unknown or throttled; the e-mail goes out
    from the tasks worker."""

    def form_valid(self, form):
        password_reset_request(email=form.cleaned_data["email"], ip=client_ip(self.request))
        return HttpResponseRedirect(self.get_success_url())


def notification_settings(request):
    """Mes notifications: every kind is on until the user turns it off."""
    from connexions.notifications import kinds_for, notifications_set, turned_off

    offered = kinds_for(request.user)
    if request.method == "POST":
        wanted = set(request.POST.getlist("on"))
        notifications_set(user=request.user, off={kind for kind in offered if kind not in wanted})
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notifications")
    off = turned_off(request.user)
    return render(
        request,
        "connexions/notifications.html",
        {"kinds": [(kind, kind.label, kind.value not in off) for kind in offered]},
    )


class LoginView(auth_views.LoginView):
    """E-mail and password; beside them the ProConnect button, when ProConnect is configured."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, proconnect_enabled=proconnect.enabled())
