from django import template

from ..charts import display
from ..tables import Kind

register = template.Library()


@register.filter
def figure(value, kind: str) -> str:
    """{{ value|figure:column.kind }}: a report figure in the active language's format."""
    return display(value, kind)


@register.filter
def hours(minutes) -> str:
    """Minutes as hours with one decimal, in the active language's format."""
    return display(minutes / 60, Kind.HOURS)


@register.filter
def percent_length(ratio) -> str:
    """A 0..1 ratio as an SVG length of 0..100 (always with a dot)."""
    return f"{max(0.0, min(100.0, float(ratio or 0) * 100)):.2f}"
