"""Template fragments drawn once per process for each combination of the values they show.

Some parts of every page (the practice menu, the account menu) are the same for everyone on
the same page with the same role, yet cost a few hundred template nodes each time. A
fragment drawn by `render_once` sees only the values it is given, as a plain context (no
request, no context processors), and its HTML is remembered by those values plus what its
URLs and words depend on: language, script prefix and URLconf. A value left out could only
be missing from the fragment, never stale in it.
"""

import functools

from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


@functools.lru_cache(maxsize=2048)
def _render(template_name, values, language, script_prefix, urlconf, root_urlconf) -> str:
    return get_template(template_name).render(dict(values))


KEY_TYPES = (str, int, bool, type(None))


def render_once(template_name: str, **values) -> SafeString:
    """`template_name` rendered with `values` alone: plain str, int, bool or None (a model
    object could change under the same key; a safe or lazy string would share a key with a
    different rendering)."""
    for name, value in values.items():
        if type(value) not in KEY_TYPES:
            raise TypeError(f"render_once: {name} is a {type(value).__name__}, not a plain value")
    html = _render(
        template_name,
        tuple(sorted(values.items())),
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        settings.ROOT_URLCONF,
    )
    return mark_safe(html)  # noqa: S308 (the template's own autoescaped output)
