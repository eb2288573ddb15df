"""Admin-site changes that can alter free slots invalidate the practice's cached slots, like
every service of the app does (`schedule_version_bump`, last in the admin's transaction)."""

from django.db import transaction

from citas.practices.models import Practice

from .services import schedule_version_bump


class BumpsScheduleVersion:
    """For a ModelAdmin whose rows belong to a practice (`practice_field`)."""

    practice_field = "practice"

    def practice_id_of(self, obj) -> int | None:
        return getattr(obj, f"{self.practice_field}_id")

    def _bump(self, practice_ids) -> None:
        # A deleted practice has no slots left to invalidate (and no version row to bump).
        wanted = {pk for pk in practice_ids if pk is not None}
        for practice_id in sorted(
            Practice.objects.filter(pk__in=wanted).values_list("pk", flat=True)
        ):
            schedule_version_bump(practice_id=practice_id)

    def save_related(self, request, form, formsets, change):
        # The admin's add and change views run in one transaction; this is their last write
        # to the practice's data (the history entry comes after).
        super().save_related(request, form, formsets, change)
        moved_from = form.initial.get(self.practice_field) if change else None
        self._bump([self.practice_id_of(form.instance), moved_from])

    def delete_model(self, request, obj):
        practice_id = self.practice_id_of(obj)
        super().delete_model(request, obj)
        self._bump([practice_id])

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            practice_ids = [self.practice_id_of(obj) for obj in queryset]
            super().delete_queryset(request, queryset)
            self._bump(practice_ids)
