from decimal import Decimal
from types import SimpleNamespace

from django.utils import translation

from citas.core.templatetags.ui import money


def test_money_writes_the_price_the_way_the_language_does():
    service = SimpleNamespace(price=Decimal("1234.5"), currency="EUR")
    with translation.override("es"):
        assert money(service) == "1\u00a0234,50 €"
    with translation.override("en"):
        assert money(service) == "€1,234.50"


def test_money_shows_the_code_of_a_currency_without_a_known_symbol():
    service = SimpleNamespace(price=Decimal("40"), currency="MXN")
    with translation.override("es"):
        assert money(service) == "40,00 MXN"
    with translation.override("en"):
        assert money(service) == "MXN 40.00"
