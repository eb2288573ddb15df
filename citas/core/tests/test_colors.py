import pytest

from citas.core.colors import BLACK, WHITE, contrast_ratio, text_color_for


def test_black_on_white_is_the_largest_contrast():
    assert contrast_ratio(BLACK, WHITE) == pytest.approx(21)


@pytest.mark.parametrize(
    ("background", "text"),
    [("#1f6f78", WHITE), ("#7a2e8e", WHITE), ("#ffc107", BLACK), ("#e6a100", BLACK)],
)
def test_text_on_a_colour_is_whichever_of_black_or_white_reads_better(background, text):
    assert text_color_for(background) == text


@pytest.mark.parametrize("background", ["#0d6efd", "#ffc107", "#7a2e8e", "#20c997", "#6c757d"])
def test_the_chosen_text_colour_passes_wcag_aa_for_small_text(background):
    assert contrast_ratio(background, text_color_for(background)) >= 4.5


@pytest.mark.parametrize("background", ["", "red", "#12"])
def test_a_colour_that_is_not_hex_gets_black_text(background):
    assert text_color_for(background) == BLACK
