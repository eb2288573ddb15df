"""`{% cached_url "app:name" %}`: Django's `{% url "app:name" %}` for a URL name with no
arguments, remembered per process (see citas.core.urls). For the navigation on every page."""

from django import template
from django.utils.html import conditional_escape

from citas.core.urls import cached_reverse

register = template.Library()


class CachedURLNode(template.Node):
    def __init__(self, viewname: str):
        self.viewname = viewname

    def render(self, context) -> str:
        # The current app as Django's URLNode finds it.
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = cached_reverse(self.viewname, current_app=current_app)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def cached_url(parser, token) -> CachedURLNode:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(
            "'cached_url' takes one quoted URL name and no arguments: use {% url %} otherwise."
        )
    return CachedURLNode(bits[1][1:-1])
