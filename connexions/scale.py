"""Large data set (`seed_scale`, and the programme-scale demo): the demo's sites, agencies and
logins, which every app's `scale.seed(plan, writer)` then builds on (see `connexions/bulk.py`);
for the demo, the programme's partners and their grants over the years since the launch."""

from datetime import date
from decimal import Decimal

from connexions import demo
from connexions.bulk import BulkWriter, ScalePlan, instance
from connexions.enums import PartnerKind
from connexions.models import Grant, Partner, ReceptionSite

# (name, kind, yearly amount in EUR, first year only, sites by index in demo.SITES (none: the
# whole programme), purpose)
PARTNERS = [
    (
        "Ville de Saint-Denis",
        PartnerKind.LOCAL_AUTHORITY,
        40_000,
        True,
        [3],
        "Subvention de lancement du point d'accueil",
    ),
    (
        "Fondation Lien Numérique",
        PartnerKind.FOUNDATION,
        60_000,
        False,
        [],
        "Fonctionnement du programme",
    ),
    (
        "Opérateur Solidaire Télécom",
        PartnerKind.OPERATOR,
        25_000,
        False,
        [],
        "Recharges solidaires",
    ),
    (
        "Reconditionnés de France",
        PartnerKind.MANUFACTURER,
        10_000,
        False,
        [0, 1],
        "Atelier de remise en état des téléphones",
    ),
    (
        "Banque Mutuelle du Nord",
        PartnerKind.COMPANY,
        8_000,
        False,
        [],
        "Option solidaire à 1 € par mois de ses clients",
    ),
]


def seed(plan: ScalePlan, writer: BulkWriter) -> None:
    demo.seed()
    if plan.demo:
        _partners(plan, writer)


def _partners(plan: ScalePlan, writer: BulkWriter) -> None:
    """Each partner's grant for every calendar year since the launch (the launch grant once)."""
    existing = set(Partner.objects.values_list("name", flat=True))
    rows = [row for row in PARTNERS if row[0] not in existing]
    sites = {name: pk for name, pk in ReceptionSite.objects.values_list("name", "pk")}
    site_ids = [sites[row[0]] for row in demo.SITES]
    partner_ids = iter(writer.reserve_ids(Partner, len(rows)))
    through = Grant.sites.through
    for name, kind, amount, once, site_indexes, purpose in rows:
        partner = instance(Partner, pk=next(partner_ids), name=name, kind=kind)
        writer.add(partner)
        years = range(plan.start.year, plan.today.year + 1)
        for year in years[:1] if once else years:
            grant = instance(
                Grant,
                partner_id=partner.pk,
                amount=Decimal(amount),
                starts_on=max(date(year, 1, 1), plan.start),
                ends_on=date(year, 12, 31),
                purpose=purpose,
            )
            writer.add(grant)
            writer.add_all(
                instance(through, grant_id=grant.pk, receptionsite_id=site_ids[index])
                for index in site_indexes
            )
