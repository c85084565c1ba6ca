"""Large data set (`seed_scale`): the demo's sites, agencies and logins, which every app's
`scale.seed(plan, writer)` then builds on (see `connexions/bulk.py`)."""

from connexions import demo
from connexions.bulk import BulkWriter, ScalePlan


def seed(plan: ScalePlan, writer: BulkWriter) -> None:
    demo.seed()
