import pytest

from citas.core.factories import MembershipFactory

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

# Whether anything on the page is wider than the screen or drawn past its right edge.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const cut = [...document.querySelectorAll("main *")].filter(
    (el) => el.getBoundingClientRect().right > width + 1 && el.getClientRects().length
  );
  return [document.documentElement.scrollWidth > width, cut.map((el) => el.tagName)];
}"""


def test_the_sessions_page_fits_a_phone(live_server, phone_page):
    user = MembershipFactory().user
    log_in(phone_page, live_server.url, user)

    phone_page.goto(f"{live_server.url}/accounts/sessions/")

    assert phone_page.get_by_text("HeadlessChrome").is_visible()
    assert phone_page.evaluate(OVERFLOW) == [False, []]
