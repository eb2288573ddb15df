from django.core.management.base import BaseCommand, CommandError

from citas.core.icons import SPRITE, build_sprite, used_icons


class Command(BaseCommand):
    help = "Write the icon sprite with only the Bootstrap Icons that templates and scripts use."

    def handle(self, *args, **options):
        names = used_icons()
        try:
            SPRITE.write_text(build_sprite(names), encoding="utf-8")
        except KeyError as error:
            raise CommandError(error.args[0]) from error
        self.stdout.write(f"{SPRITE}: {len(names)} icons, {SPRITE.stat().st_size} bytes")
