from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from citas.core.icons import SPRITE_STATIC_PATH

register = template.Library()


@register.simple_tag
def icon(name: str, *, label: str = "", css: str = "", color: str = ""):
    """A Bootstrap icon from the sprite: `{% icon "gear" %}`. Decorative (hidden from screen
    readers) unless it has a label; `color` is painted by app.js (the CSP forbids style="")."""
    href = f"{static(SPRITE_STATIC_PATH)}#{name}"
    painted = format_html(' data-color="{}"', color) if color else ""
    if label:
        role, title = (
            format_html(' role="img" aria-label="{}"', label),
            format_html("<title>{}</title>", label),
        )
    else:
        role, title = mark_safe(' aria-hidden="true" focusable="false"'), ""  # noqa: S308 (a constant)
    return format_html(
        '<svg class="{}" width="1em" height="1em" fill="currentColor"{}{}>{}'
        '<use href="{}"></use></svg>',
        f"bi {css}".strip(),
        painted,
        role,
        title,
        href,
    )
