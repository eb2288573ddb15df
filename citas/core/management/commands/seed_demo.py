from django.core.management.base import BaseCommand

from citas.core.demo import DEMO_PASSWORD, DEMO_PEOPLE, load_demo


class Command(BaseCommand):
    help = "Load the demo practice (Clínica Demo). Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        practice, created = load_demo()
        verb = "Created" if created else "Reusing"
        self.stdout.write(self.style.SUCCESS(f"{verb} the demo practice “{practice.name}”."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, name, role, _bookable, _colour in DEMO_PEOPLE:
            self.stdout.write(f"  {email:<22} {name:<14} {role.label if role else 'Cliente'}")
        self.stdout.write("Admin (operators): create a superuser with `manage.py createsuperuser`.")
