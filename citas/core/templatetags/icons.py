import functools

from django import template
from django.templatetags.static import static
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from citas.core.icons import SPRITE_STATIC_PATH

register = template.Library()


@register.simple_tag
def icon(name: str, *, label: str = "", css: str = "", color: str = ""):
    """A Bootstrap icon from the sprite: `{% icon "gear" %}`. Decorative (hidden from screen
    readers) unless it has a label; `color` is painted by app.js (the CSP forbids style="")."""
    # Escaped here, so that equal keys give equal HTML (a safe string and a plain one with the
    # same characters escape differently); the markup for each is made once per process.
    return _svg(
        conditional_escape(static(SPRITE_STATIC_PATH)),
        conditional_escape(name),
        conditional_escape(label),
        conditional_escape(css),
        conditional_escape(color),
    )


@functools.lru_cache(maxsize=2048)
def _svg(sprite_url: str, name: str, label: str, css: str, color: str):
    href = mark_safe(f"{sprite_url}#{name}")  # noqa: S308 (both parts escaped by the caller)
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
        mark_safe(f"bi {css}".strip()),  # noqa: S308 (escaped by the caller)
        painted,
        role,
        title,
        href,
    )
