class ServiceError(Exception):
    """A business rule said no. `message` is user-facing (already translated); `field` names
    the form field it belongs to, if any."""

    def __init__(self, message, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code


def add_service_error(form, error: ServiceError) -> None:
    """Show a service's refusal next to the field it concerns (or on top of the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
