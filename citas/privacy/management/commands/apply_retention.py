from django.core.management.base import BaseCommand
from django.utils import timezone

from citas.privacy.erasure import retention_apply_all


class Command(BaseCommand):
    help = "Apply every practice's retention periods now (the daily job does the same)."

    def handle(self, *args, **options):
        for report in retention_apply_all(now=timezone.now()):
            self.stdout.write(str(report.as_dict()))
