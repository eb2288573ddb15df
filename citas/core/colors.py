"""Readable text on a user-chosen colour (WCAG 2 relative luminance and contrast ratio)."""

import re
from functools import lru_cache

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

BLACK, WHITE = "#000000", "#ffffff"


def _luminance(hex_color: str) -> float:
    value = hex_color.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@lru_cache(maxsize=1024)  # a pure function of a few colours, asked once per agenda event
def text_color_for(background: str) -> str:
    """Black or white, whichever contrasts more with `background` ("#rrggbb"; black for
    anything else)."""
    if not HEX_COLOR.match(background or ""):
        return BLACK
    return (
        WHITE if contrast_ratio(background, WHITE) >= contrast_ratio(background, BLACK) else BLACK
    )
