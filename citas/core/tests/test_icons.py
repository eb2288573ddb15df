import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template

from citas.core.icons import SEARCHED, SPRITE, build_sprite, used_icons

SPRITE_IDS = re.compile(r'<symbol id="([a-z0-9-]+)"')


def test_every_icon_that_templates_and_scripts_name_is_in_the_sprite():
    in_sprite = set(SPRITE_IDS.findall(SPRITE.read_text(encoding="utf-8")))
    missing = {name: files for name, files in used_icons().items() if name not in in_sprite}
    assert not missing, f"Icons not in {SPRITE.name} (run `manage.py build_icons`): {missing}"


def test_the_committed_sprite_is_what_build_icons_writes():
    assert SPRITE.read_text(encoding="utf-8") == build_sprite(used_icons()), (
        "run `manage.py build_icons`"
    )


def test_the_sprite_holds_only_the_icons_used():
    assert set(SPRITE_IDS.findall(SPRITE.read_text(encoding="utf-8"))) == set(used_icons())


def test_no_template_or_script_uses_the_icon_font_classes():
    font_use = re.compile(r"""class=["'][^"']*\bbi-[a-z0-9-]+|["'`]bi bi-""")
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for folder in SEARCHED
        for path in folder.rglob("*")
        if path.suffix in {".html", ".js"} and font_use.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders


def test_building_a_sprite_with_an_unknown_icon_fails():
    with pytest.raises(KeyError, match="no-such-icon"):
        build_sprite(["gear", "no-such-icon"])


def _render(source: str, **context) -> str:
    return Template("{% load icons %}" + source).render(Context(context))


def test_a_decorative_icon_is_hidden_from_screen_readers_and_points_into_the_sprite():
    html = _render('{% icon "gear" css="me-1" %}')
    assert html == (
        '<svg class="bi me-1" width="1em" height="1em" fill="currentColor" aria-hidden="true" '
        'focusable="false"><use href="/static/img/icons.svg#gear"></use></svg>'
    )


def test_a_labelled_icon_is_an_image_with_its_name():
    html = _render(
        '{% icon "person-check" label=name color=colour %}', name="Confirmed <b>", colour="#123456"
    )
    assert 'role="img" aria-label="Confirmed &lt;b&gt;"><title>Confirmed &lt;b&gt;</title>' in html
    assert 'data-color="#123456"' in html
    assert "aria-hidden" not in html


def test_the_icon_font_is_gone_from_the_vendored_files():
    folder = Path(settings.BASE_DIR) / "static" / "vendor" / "bootstrap-icons"
    assert not list(folder.rglob("*.woff*")), "the sprite replaces the web font"
    assert (folder / "LICENSE").exists()
