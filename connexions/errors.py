"""One base for the errors a service raises when it refuses a business action, and one way for a
view to show them (docs/architecture.md, "Writes")."""

from django.contrib import messages


class DomainError(Exception):
    """A business action refused, with a message fit for the user. Nothing was written."""

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


def show_refusal(request, error: DomainError, *, form=None, field: str | None = None) -> None:
    """Put the refusal on the form (on `field`, or above the fields) when there is one, else in the
    page's messages."""
    if form is not None:
        form.add_error(field, error.message)
    else:
        messages.error(request, error.message)
