import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

CITAS = Path(__file__).resolve().parents[2]
LOCALE = CITAS / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def test_every_language_of_the_menu_has_a_catalogue():
    assert {path.name for path in LOCALE.iterdir() if path.is_dir()} == set(LANGUAGES)


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext (msgfmt) is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_is_complete_and_compiled(language, tmp_path):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "out.mo"), str(po)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr
    committed = (po.parent / "django.mo").read_bytes()
    assert committed == (tmp_path / "out.mo").read_bytes(), "run `make messages`"


# What must survive translation unchanged: %(name)s / %s / %d placeholders and HTML tags.
KEPT = re.compile(r"%\(\w+\)[sdf]|%[sd]|</?[a-z]+[^>]*>")


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_and_the_markup(language):
    """msgfmt --check only compares python-format entries; this also covers HTML and entries
    whose flag is missing. A plural's singular may name its number in words instead."""
    path = LOCALE / language / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog
    plurals = {}
    for key, translated in catalogue.items():
        if isinstance(key, tuple):
            plurals.setdefault(key[0], []).append(translated)
    problems = []
    for key, translated in catalogue.items():
        msgid = (key[0] if isinstance(key, tuple) else key).split("\x04")[-1]
        if not msgid:
            continue  # the header
        expected = set(KEPT.findall(msgid))
        found = set(KEPT.findall(translated))
        if isinstance(key, tuple):
            # The singular may leave out the count ("one appointment"); any form may not invent one.
            if not found <= expected | {p for form in plurals[key[0]] for p in KEPT.findall(form)}:
                problems.append((msgid, translated))
            continue
        if expected != found:
            problems.append((msgid, translated))
    assert not problems, problems


# Text that is the same in every language: the product's name, acronyms, URL fragments.
UNTRANSLATED_ALLOWED = re.compile(
    r"Gestor de Citas( Profesionales)?|\b(SMS|CSV|Excel|HTTP)\b|#(confirm|reject)\b|\bcit_"
)
SKIPPED_BLOCKS = {
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
}
MARKUP = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1>|<[^>]*>", re.S)
WORD = re.compile(r"[^\W\d_]{2,}")


def words_outside_gettext(source: str) -> list[str]:
    """Words of a template's literal text: what is not inside a translate or blocktranslate
    tag, a comment, an HTML tag (attribute values included), a script or a style, nor a
    `{% block *_class %}` (CSS class names)."""
    parts, closing = [], None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = (token.contents.split() or [""])[0]
            if closing:
                if name == closing:
                    closing = None
                continue
            if name in SKIPPED_BLOCKS:
                closing = SKIPPED_BLOCKS[name]
            elif name == "block" and token.contents.split()[-1].endswith("_class"):
                closing = "endblock"
            parts.append("\x00")
        elif token.token_type == TokenType.TEXT and not closing:
            parts.append(token.contents)
        else:
            parts.append("\x00")
    text = UNTRANSLATED_ALLOWED.sub(" ", MARKUP.sub(" ", "".join(parts)))
    return WORD.findall(text)


def test_the_checker_finds_literal_text_and_ignores_translated_text():
    assert words_outside_gettext('<p title="x">{% translate "Hi" %} Hello</p>') == ["Hello"]
    assert words_outside_gettext("{{ minutes }} min") == ["min"]
    assert words_outside_gettext("{% blocktranslate %}{{ n }} min{% endblocktranslate %}") == []
    assert words_outside_gettext("{# note #}{% comment %}why{% endcomment %}<b>·</b>") == []
    assert words_outside_gettext("{% block main_class %}py-3 px-2{% endblock %}") == []


def test_no_template_has_text_outside_gettext():
    found = {}
    for path in sorted(CITAS.rglob("templates/**/*")):
        if path.is_file() and path.suffix in {".html", ".txt"}:
            words = words_outside_gettext(path.read_text())
            if words:
                found[str(path.relative_to(CITAS))] = words
    assert not found, found
