"""Where the API sits in the URL patterns: Django tries them in order on every request."""

from django.urls import Resolver404, URLResolver, get_resolver, resolve, reverse


def _api_position():
    patterns = get_resolver().url_patterns
    return next(
        i
        for i, entry in enumerate(patterns)
        if isinstance(entry, URLResolver) and entry.namespace == "api"
    )


def test_the_api_is_tried_before_the_pages():
    # Matching an API address after some 45 page patterns cost about 50 µs per call.
    assert _api_position() <= 2


def test_no_earlier_pattern_takes_an_api_address():
    patterns = get_resolver().url_patterns[: _api_position()]
    for url in (
        reverse("api:appointments"),
        reverse("api:availability", kwargs={"slug": "carga"}),
        reverse("api:docs"),
        reverse("api:tokens"),
        reverse("api:token_renew", args=[1]),
    ):
        assert resolve(url).namespace.startswith("api"), url
        assert all(_misses(entry, url.lstrip("/")) for entry in patterns), url


def _misses(entry, path) -> bool:
    try:
        return entry.resolve(path) is None
    except Resolver404:
        return True
