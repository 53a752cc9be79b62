"""/docs and /redoc work with no internet: every script, style and icon they load is served
by remit itself, without a key."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from web.access import DOCS_STATIC_PATH


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def _assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets_that_answer(rt, page: str) -> None:
    with TestClient(create_app(rt)) as client:  # no key: the docs are public
        r = client.get(page)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        urls = _assets(r.text)
        assert any(u.endswith(".js") for u in urls), urls
        # No CDN, no fonts service, no validator: nothing on the page names another host.
        assert "://" not in r.text and "//" not in "".join(urls)
        assert all(u.startswith(f"{DOCS_STATIC_PATH}/") for u in urls), urls
        for url in urls:
            asset = client.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 1000, url
        assert client.get("/openapi.json").json()["info"]["title"] == "remit"


def test_swagger_ui_validator_badge_is_off(rt) -> None:
    with TestClient(create_app(rt)) as client:
        assert '"validatorUrl": null' in client.get("/docs").text
