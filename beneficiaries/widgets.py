"""Home-page widgets: a site's to-do list for staff, an agency's referrals for social workers."""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.enums import ReferralStatus
from beneficiaries.models import FollowUp, MediationCase, Referral, new_referrals_since
from connexions.perms import Action, can
from connexions.registry import HomeWidget


def _site_todo(request):
    site, today = request.current_site, timezone.localdate()
    referrals = (
        Referral.objects.pending()
        .filter(site=site)
        .aggregate(
            waiting=Count("pk"), new=Count("pk", filter=Q(submitted_at__gte=new_referrals_since()))
        )
    )
    return {
        "new_referrals": referrals["new"],
        "pending_referrals": referrals["waiting"],
        "follow_ups_due": FollowUp.objects.due(today).filter(enrolled_site=site).count(),
        "mediation_actions_due": MediationCase.objects.actions_due(today).filter(site=site).count(),
    }


def _agency_referrals(request):
    counts = Referral.objects.filter(agency_id=request.user.agency_id).aggregate(
        pending=Count("pk", filter=Q(status=ReferralStatus.PENDING)),
        accepted=Count("pk", filter=Q(status=ReferralStatus.ACCEPTED)),
    )
    return {"referral_counts": counts}


SITE_TODO = HomeWidget(
    key="beneficiaries.site_todo",
    title=_("To do at this site"),
    order=10,
    template="beneficiaries/widgets/site_todo.html",
    visible=lambda request: (
        request.current_site is not None and can(request.user, Action.SUPPORT, request.current_site)
    ),
    context=_site_todo,
)

AGENCY_REFERRALS = HomeWidget(
    key="beneficiaries.agency_referrals",
    title=_("My agency's referrals"),
    order=10,
    template="beneficiaries/widgets/agency_referrals.html",
    visible=lambda request: request.user.is_social_worker,
    context=_agency_referrals,
)
