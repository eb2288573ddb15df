import pytest

from .conftest import log_in
from .test_agenda_journey import agenda_week  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

# The first time label of the grid: its text, whether it is drawn, and whether it lies inside
# the grid's box (not clipped above it).
FIRST_LABEL = """() => {
  const label = document.querySelector(".ec-body .ec-sidebar time.ec-time");
  const box = label.getBoundingClientRect();
  const grid = document.querySelector(".ec-body").getBoundingClientRect();
  return [label.textContent, getComputedStyle(label).visibility, box.top >= grid.top];
}"""


@pytest.mark.parametrize("page_fixture", ["phone_page", "desktop_page"])
def test_the_day_view_labels_its_first_hour(request, live_server, agenda_week, page_fixture):  # noqa: F811
    page = request.getfixturevalue(page_fixture)
    user, _moving, _day = agenda_week
    log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/app/agenda/")
    page.get_by_role("button", name="Día", exact=True).first.click()
    page.locator(".ec-body .ec-sidebar time.ec-time").first.wait_for(state="attached")

    assert page.evaluate(FIRST_LABEL) == ["09:00", "visible", True]
