"""The agenda does not jump as it loads: the calendar is drawn before the first paint, so the
legend and the footer below it never show in one place and then move (Lighthouse measured a
cumulative layout shift of 0.165 on a phone, performance 79)."""

import pytest

from .conftest import log_in
from .test_agenda_journey import agenda_week  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

# The sum of the page's layout shifts so far (none of them after an input), as Chrome reports
# them to the Layout Instability API; buffered, so the shifts of the load are included.
LAYOUT_SHIFT = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const shifts = list.getEntries().filter((e) => !e.hadRecentInput);
    resolve(shifts.reduce((sum, e) => sum + e.value, 0));
  }).observe({ type: "layout-shift", buffered: true });
  setTimeout(() => resolve(0), 1000);
})"""


@pytest.mark.parametrize("page_fixture", ["phone_page", "desktop_page"])
def test_the_agenda_does_not_move_under_the_reader_while_it_loads(
    request,
    live_server,
    agenda_week,  # noqa: F811
    page_fixture,
):
    page = request.getfixturevalue(page_fixture)
    user, _moving, _day = agenda_week
    log_in(page, live_server.url, user)

    page.goto(f"{live_server.url}/app/agenda/")
    page.locator(".ec-body").wait_for()
    page.wait_for_load_state("networkidle")  # the week's appointments are drawn too

    assert page.evaluate(LAYOUT_SHIFT) < 0.01
