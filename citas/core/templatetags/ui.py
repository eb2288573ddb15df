import functools

from django import forms, template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from citas.core import languages

register = template.Library()

CHOICE_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def _describedby(field) -> str:
    ids = []
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    return " ".join(ids)


def _base_attrs(field) -> dict:
    attrs = {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    described = _describedby(field)
    if described:
        attrs["aria-describedby"] = described
    return attrs


@register.simple_tag
def bs_widget(field):
    """Render a bound field's widget with Bootstrap classes and ARIA links to its messages."""
    widget = field.field.widget
    attrs = _base_attrs(field)
    invalid = " is-invalid" if field.errors else ""
    if isinstance(widget, CHOICE_WIDGETS):
        return format_html_join(
            "",
            '<div class="form-check"><input type="{}" class="form-check-input{}" name="{}" '
            'value="{}" id="{}"{}{}><label class="form-check-label" for="{}">{}</label></div>',
            (
                (
                    sub.data["type"],
                    invalid,
                    sub.data["name"],
                    sub.data["value"],
                    sub.id_for_label,
                    " checked" if sub.data["selected"] else "",
                    " required" if field.field.required and sub.data["type"] == "radio" else "",
                    sub.id_for_label,
                    sub.choice_label,
                )
                for sub in field.subwidgets
            ),
        )
    if isinstance(widget, forms.CheckboxInput):
        attrs["class"] = f"form-check-input{invalid}"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        attrs["class"] = f"form-select{invalid}"
    else:
        attrs["class"] = f"form-control{invalid}"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_choice_list(field) -> bool:
    return isinstance(field.field.widget, CHOICE_WIDGETS)


@register.simple_tag
def field_errors(field):
    if not field.errors:
        return ""
    return format_html(
        '<div class="invalid-feedback d-block" id="{}_error">{}</div>',
        field.auto_id,
        format_html_join(" ", "{}", ((e,) for e in field.errors)),
    )


CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


@register.filter
def money(service) -> str:
    """A service's price in the active locale: "1 234,50 €" in Spanish, "€1,234.50" in
    English (the symbol first, a code such as "MXN 40.00" with a space)."""
    amount = floatformat(service.price, "2g")
    symbol = CURRENCY_SYMBOLS.get(service.currency)
    if (get_language() or "").startswith("en"):
        return f"{symbol}{amount}" if symbol else f"{service.currency} {amount}"
    return f"{amount} {symbol or service.currency}"


@register.simple_tag
def language_options():
    """The language menu's <option>s, the active language selected: on every page, and the
    same for everyone who reads that language, so made once per process and language."""
    return _language_options(get_language(), tuple(code for code, _name in settings.LANGUAGES))


@functools.lru_cache(maxsize=64)
def _language_options(active: str, codes: tuple[str, ...]):  # codes: the key only
    return format_html_join(
        "\n    ",
        '<option value="{}" lang="{}"{}>{}</option>',
        (
            (code, code, mark_safe(" selected") if code == active else "", name)  # noqa: S308
            for code, name in languages.language_choices()
        ),
    )
