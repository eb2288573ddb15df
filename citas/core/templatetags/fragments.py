"""`{% render_once "partial.html" name=value ... %}`: a partial drawn once per process for each
combination of its values (plain str, int, bool or None), see citas.core.fragments."""

from django import template

from citas.core import fragments

register = template.Library()


@register.simple_tag
def render_once(template_name: str, **values):
    return fragments.render_once(template_name, **values)
