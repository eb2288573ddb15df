from datetime import date

import pytest
from django.utils import translation
from django.utils.formats import date_format

APRIL_3 = date(2026, 4, 3)


def _in(language: str, day: date, fmt: str = "DATE_FORMAT") -> str:
    with translation.override(language):
        return date_format(day, fmt)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ca", "3 d'abril de 2026"),
        ("gl", "3 de abril de 2026"),
        ("es", "3 de abril de 2026"),
        ("eu", "2026ko api. 3a"),
        ("en", "April 3, 2026"),
    ],
)
def test_a_long_date_reads_naturally_in_every_language(language, expected):
    assert _in(language, APRIL_3) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 1, 3), "3 de gener de 2026"), (date(2026, 8, 3), "3 d'agost de 2026")],
)
def test_catalan_elides_de_before_a_vowel(day, expected):
    assert _in("ca", day) == expected


def test_galician_month_names_are_lower_case_in_every_form():
    assert _in("gl", date(2026, 1, 3), "F E N") == "xaneiro xaneiro xan."
