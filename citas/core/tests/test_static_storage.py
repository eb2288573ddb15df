"""The production static storage remembers each URL, and forgets them when collectstatic
rewrites the manifest."""

import json

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings

from citas.core.storage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"paths": {"css/app.css": "css/app.0123456789ab.css"}, "version": "1.1"})
    )
    return StaticFilesStorage(location=tmp_path, base_url="/static/")


def test_the_url_is_the_hashed_one_and_stays_so(storage):
    assert storage.url("css/app.css") == "/static/css/app.0123456789ab.css"
    assert storage.url("css/app.css") == "/static/css/app.0123456789ab.css"
    assert storage.url("css/app.css", force=True) == "/static/css/app.0123456789ab.css"


def test_a_file_missing_from_the_manifest_is_an_error_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("js/nowhere.js")


def test_debug_is_part_of_the_key(storage):
    assert storage.url("css/app.css") == "/static/css/app.0123456789ab.css"
    with override_settings(DEBUG=True):
        assert storage.url("css/app.css") == "/static/css/app.css"
    assert storage.url("css/app.css") == "/static/css/app.0123456789ab.css"


def test_collectstatic_makes_it_forget_the_old_manifest(storage, tmp_path):
    assert storage.url("css/app.css") == "/static/css/app.0123456789ab.css"
    source = ContentFile(b"body { color: teal }")
    storage.save("css/app.css", source)
    list(storage.post_process({"css/app.css": (storage, "css/app.css")}))
    url = storage.url("css/app.css")
    assert url.startswith("/static/css/app.") and url != "/static/css/app.0123456789ab.css"
    assert url == StaticFilesStorage(location=tmp_path, base_url="/static/").url("css/app.css")
