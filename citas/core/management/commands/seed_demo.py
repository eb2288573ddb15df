import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from citas.core.demo import DEMO_PEOPLE, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo practice (Clínica Demo) with new random passwords, printed once. "
        "Safe to run again: nothing is duplicated. Development only (DEBUG on) unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (not for production)."
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts that anyone reading this output can use: it only runs "
                "with DEBUG on (development). Pass --force to run it anyway."
            )
        passwords = {email: secrets.token_urlsafe(12) for email, *_ in DEMO_PEOPLE}
        practice, created = load_demo(passwords=passwords)
        verb = "Created" if created else "Reusing"
        self.stdout.write(self.style.SUCCESS(f"{verb} the demo practice “{practice.name}”."))
        self.stdout.write("Demo logins (new passwords on every run):")
        for email, name, role, _bookable, _colour in DEMO_PEOPLE:
            label = role.label if role else "Cliente"
            self.stdout.write(f"  {email:<22} {passwords[email]:<18} {name:<14} {label}")
        self.stdout.write(
            "The owner is asked to set up two-step verification at the first login "
            "(the practice requires it from owners and administrators)."
        )
        self.stdout.write("Admin (operators): create a superuser with `manage.py createsuperuser`.")
