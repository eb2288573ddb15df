"""`reverse()` remembered per process for URLs that do not depend on the request.

Every page's navigation reverses some thirty URL names, each a walk of the resolver's tables
(~15-30 µs), and the result is always the same. `cached_reverse` remembers it, keyed by all that
`reverse()` reads besides its arguments: the URLconf (a request may set its own, tests override
ROOT_URLCONF), the script prefix (SCRIPT_NAME / FORCE_SCRIPT_NAME), the active language (the
resolver's tables are per language) and the current app (namespaced instances). So it returns
exactly what `reverse()` would, never a URL built for another context.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language


@functools.lru_cache(maxsize=4096)
def _reverse(viewname, args, current_app, urlconf, root_urlconf, prefix, language) -> str:
    return reverse(viewname, urlconf=urlconf, args=args, current_app=current_app)


def cached_reverse(viewname: str, args: tuple = (), *, current_app: str | None = None) -> str:
    """`reverse(viewname, args=args)` remembered; `args` must be constants (they are part of
    the key: a per-object URL would only fill the cache)."""
    return _reverse(
        viewname,
        tuple(args),
        current_app,
        get_urlconf(),
        settings.ROOT_URLCONF,
        get_script_prefix(),
        get_language(),
    )
