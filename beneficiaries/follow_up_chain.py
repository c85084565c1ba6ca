"""What the follow-ups' triggers keep (`FollowUp.Meta`, `Beneficiary.Meta`): the chain of a
person's follow-ups done, and the copy of the person's enrolment on each follow-up.

Each person's follow-ups done form a chain, in order of day then id; each one's `next_done_on` is
the day of the next, None for the latest (docs/architecture.md, "Data at scale"). The spending
cohort of a period reads it: the period's follow-ups whose next one is after the period, or none.
The triggers keep it whatever writes a follow-up: before a row is written, its own value; after a
done follow-up is inserted, deleted or its day changed, its predecessors' (only the rows whose
value changes are written, and that write changes no day, so it stops there).

Both first lock the person's row (`FOR NO KEY UPDATE`, which the foreign keys' checks do not
wait for), so two follow-ups of one person written at once wait for each other and the second
sees the first: the chain never has two latest follow-ups. The services that write follow-ups
hold that lock already (they lock the person first, docs/architecture.md, "Lock order"). A row
lock rather than an advisory one: PostgreSQL keeps row locks in the rows, so a transaction that
writes the follow-ups of many people (the bulk writer when its triggers are on) takes no slot
of the shared lock table per person.
"""

LOCK = "PERFORM 1 FROM beneficiaries_beneficiary WHERE id = {person} FOR NO KEY UPDATE;"

# Before insert and update: the row's own next day (none for a follow-up not done).
NEXT_DONE_ON = (
    "IF NEW.done_on IS NULL THEN NEW.next_done_on := NULL; RETURN NEW; END IF; "
    + LOCK.format(person="NEW.beneficiary_id")
    + " NEW.next_done_on := (SELECT min(f.done_on) FROM beneficiaries_followup f "
    "WHERE f.beneficiary_id = NEW.beneficiary_id AND f.id <> NEW.id "
    "AND (f.done_on, f.id) > (NEW.done_on, NEW.id)); RETURN NEW;"
)

# After insert, update and delete: the person's other follow-ups, when a day changed.
RECHAIN = (
    "IF (TG_OP = 'UPDATE' AND OLD.done_on IS NOT DISTINCT FROM NEW.done_on) "
    "OR (TG_OP = 'INSERT' AND NEW.done_on IS NULL) "
    "OR (TG_OP = 'DELETE' AND OLD.done_on IS NULL) THEN RETURN NULL; END IF; "
    + LOCK.format(person="COALESCE(NEW.beneficiary_id, OLD.beneficiary_id)")
    + " UPDATE beneficiaries_followup f SET next_done_on = chain.next FROM ("
    "SELECT id, lead(done_on) OVER (ORDER BY done_on, id) AS next FROM beneficiaries_followup "
    "WHERE beneficiary_id = COALESCE(NEW.beneficiary_id, OLD.beneficiary_id) "
    "AND done_on IS NOT NULL) chain "
    "WHERE f.id = chain.id AND f.next_done_on IS DISTINCT FROM chain.next; RETURN NULL;"
)


# The person's fields each follow-up carries a copy of (person's field: follow-up's field): the
# enrolment site (a site's follow-ups due) and what the spending cohort compares with the
# follow-up (docs/architecture.md, "Data at scale"). Copied before every write of a follow-up,
# and rewritten on the person's follow-ups when one of them changes on the person. The copy
# reads the person under the same row lock as the chain, so a change of the person and a write
# of one of their follow-ups wait for each other and the later sees the earlier.
COPIED = {
    "enrolled_site": "enrolled_site",
    "enrolled_on": "enrolled_on",
    "monthly_spending": "spending_at_entry",
    "employment_status": "employment_at_entry",
    "has_mobile": "mobile_at_entry",
    "has_computer": "computer_at_entry",
    "has_internet": "internet_at_entry",
}


def column(field: str) -> str:
    """The column (and attribute) of a copied field."""
    return f"{field}_id" if field == "enrolled_site" else field


COPY_PERSON = (
    "SELECT "
    + ", ".join(column(person) for person in COPIED)
    + " INTO "
    + ", ".join(f"NEW.{column(copy)}" for copy in COPIED.values())
    + " FROM beneficiaries_beneficiary WHERE id = NEW.beneficiary_id FOR NO KEY UPDATE;"
    " RETURN NEW;"
)

# After a person's copied field changed: their follow-ups rewritten, each copying the person
# again through `COPY_PERSON` (the day is unchanged, so the chain is left alone).
RECOPY = (
    "UPDATE beneficiaries_followup SET enrolled_on = NEW.enrolled_on "
    "WHERE beneficiary_id = NEW.id; RETURN NULL;"
)
