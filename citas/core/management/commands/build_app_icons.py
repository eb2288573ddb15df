"""Render the installable app's PNG icons from the SVGs in static/img (a development tool: it
needs Chromium; the PNGs it writes are committed, so nothing runs it at deploy time)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

IMAGES = Path(settings.BASE_DIR) / "citas" / "static" / "img"
# (source svg, size, output png)
ICONS = [
    ("favicon.svg", 192, "app-icon-192.png"),
    ("favicon.svg", 512, "app-icon-512.png"),
    ("app-icon-maskable.svg", 512, "app-icon-maskable-512.png"),
    ("app-icon-maskable.svg", 180, "apple-touch-icon.png"),
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class Command(BaseCommand):
    help = "Render the app icons (PNG) from their SVG sources with Chromium."

    def add_arguments(self, parser):
        parser.add_argument("--chromium", default="/usr/bin/chromium")

    def handle(self, *args, chromium, **options):
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for source, size, target in ICONS:
                page = browser.new_page(viewport={"width": size, "height": size})
                svg = (IMAGES / source).read_text()
                page.set_content(
                    "<html><body style='margin:0'>"
                    + svg.replace("<svg ", f"<svg width='{size}' height='{size}' ", 1)
                    + "</body></html>"
                )
                page.screenshot(path=str(IMAGES / target), omit_background=True)
                page.close()
                self.stdout.write(f"{target}: {size}×{size}")
            browser.close()
