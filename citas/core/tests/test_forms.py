from datetime import datetime
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from citas.core.forms import (
    AmountField,
    DateTime24Widget,
    DayMonthYearField,
    Time24Input,
    parse_amount,
)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("35,50", Decimal("35.50")),
        ("35.50", Decimal("35.50")),
        ("35", Decimal("35")),
        ("35,5", Decimal("35.5")),
        (" 1500 € ", Decimal("1500")),
        ("0,99", Decimal("0.99")),
    ],
)
def test_an_amount_takes_a_decimal_comma_or_point(typed, amount):
    assert parse_amount(typed) == amount


@pytest.mark.parametrize("typed", ["3.550,00", "1.500", "1,500", "35,50,1", "-5", "abc", "35,"])
def test_an_amount_that_could_be_read_two_ways_is_refused(typed):
    assert parse_amount(typed) is None


class PriceForm(forms.Form):
    price = AmountField(max_digits=8, decimal_places=2, min_value=0)


def test_the_amount_field_explains_a_refused_amount_in_spanish():
    with translation.override("es"):
        form = PriceForm({"price": "3.550,00"})
        assert not form.is_valid()
        assert "coma decimal" in form.errors["price"][0]


def test_the_amount_field_shows_the_spanish_decimal_comma_back():
    with translation.override("es"):
        html = str(PriceForm(initial={"price": Decimal("35.50")})["price"])
    assert 'value="35,50"' in html
    assert 'inputmode="decimal"' in html
    assert 'type="text"' in html


def test_a_time_is_typed_as_24_hours_whatever_the_browser():
    html = Time24Input().render("t", datetime(2026, 12, 3, 15, 0).time())
    assert 'type="text"' in html
    assert 'value="15:00"' in html
    assert 'pattern="([01]?[0-9]|2[0-3]):[0-5][0-9]"' in html


def test_the_date_time_widget_joins_its_two_boxes_and_still_reads_one_value():
    widget = DateTime24Widget()
    assert widget.value_from_datadict({"s_date": "2026-12-03", "s_time": "15:00"}, {}, "s") == (
        "2026-12-03T15:00"
    )
    assert widget.value_from_datadict({"s": "2026-12-03T09:30"}, {}, "s") == "2026-12-03T09:30"
    assert widget.value_from_datadict({"s_date": "03/12/2026", "s_time": "15:00"}, {}, "s") == (
        "2026-12-03T15:00"
    )
    html = widget.render("s", "2026-12-03T15:00")
    assert 'type="date"' not in html and 'value="03/12/2026"' in html
    assert 'value="15:00"' in html
    assert "datetime-local" not in html


class DayForm(forms.Form):
    day = DayMonthYearField()


@pytest.mark.parametrize("typed", ["03/12/2026", "3/12/2026", "2026-12-03"])
def test_a_day_is_read_as_day_month_year_or_iso(typed):
    form = DayForm({"day": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"].isoformat() == "2026-12-03"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Write the date as day/month/year, for example 31/12/2026."),
        ("es", "Escribe la fecha como día/mes/año, por ejemplo 31/12/2026."),
    ],
)
@pytest.mark.parametrize("typed", ["12/31/2026", "2026-31-12", "mañana"])
def test_a_month_first_or_unreadable_day_is_refused_in_the_users_language(typed, language, message):
    with translation.override(language):
        form = DayForm({"day": typed})
        assert not form.is_valid()
        assert form.errors["day"] == [message]


def test_a_day_is_shown_day_month_year_whatever_the_browser():
    html = DayForm({"day": "2026-12-03"})["day"].as_widget()
    assert 'type="text"' in html and 'value="03/12/2026"' in html
    assert 'pattern="(0?[1-9]|[12][0-9]|3[01])/(0?[1-9]|1[0-2])/[0-9]{4}"' in html
