"""Admin-site changes go through `schedule_change`, like every service of the app: the practice's
cached slots are invalidated (its schedule version bumped, last in the admin's transaction) and
the time a change frees (working hours, time off, a professional back at work) is offered to the
waiting list once it commits."""

from django.db import transaction

from .changes import schedule_change
from .services import schedule_version_bump


class BumpsScheduleVersion:
    """For a ModelAdmin whose rows belong to a practice (`practice_field`)."""

    practice_field = "practice"

    def practice_id_of(self, obj) -> int | None:
        return getattr(obj, f"{self.practice_field}_id")

    def save_model(self, request, obj, form, change):
        # The admin's add and change views run in one transaction; a row moved to another
        # practice changes the schedules of both.
        moved_from = form.initial.get(self.practice_field) if change else None
        with schedule_change(practice_ids=[self.practice_id_of(obj), moved_from]):
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Inlines and many-to-many fields (a service's professionals) are saved after the
        # row: their last write to the practice's data (the history entry comes after).
        super().save_related(request, form, formsets, change)
        practice_id = self.practice_id_of(form.instance)
        if practice_id is not None:
            schedule_version_bump(practice_id=practice_id)

    def delete_model(self, request, obj):
        with schedule_change(practice_ids=[self.practice_id_of(obj)]):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            practice_ids = [self.practice_id_of(obj) for obj in queryset]
            with schedule_change(practice_ids=practice_ids):
                super().delete_queryset(request, queryset)
