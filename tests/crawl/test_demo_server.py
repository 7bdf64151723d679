"""The demo site and its server: what a crawler will meet there."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from paperwall.demo import render
from paperwall.demo.server import DemoServer
from spiders.pages import extract

A1 = "10.5555/pwim.2023.2170001"


def get(server: DemoServer, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    resp.body = resp.read()  # type: ignore[attr-defined]
    conn.close()
    return resp


def test_article_pages_are_read_as_tandf_articles() -> None:
    statuses = {}
    for art in render.articles():
        if art.get("behaviour") == "challenge":
            continue
        record = extract(f"http://127.0.0.1:1/doi/abs/{art['doi']}", render.render_article(art["doi"]) or b"")
        statuses[art["doi"]] = (record.status, record.platform, record.access, record.doi)
        assert not record.warnings, record.warnings
    assert set(statuses.values()) == {
        ("article", "tandf", art["access"], art["doi"]) for art in render.articles() if art.get("behaviour") != "challenge"
    }


def test_pages_do_not_depend_on_the_port() -> None:
    assert b"127.0.0.1" not in (render.render_article(A1) or b"")


def test_conditional_requests_get_304(demo_server: DemoServer) -> None:
    first = get(demo_server, f"/doi/abs/{A1}")
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    assert first.status == 200 and etag and modified
    assert get(demo_server, f"/doi/abs/{A1}", {"If-None-Match": etag}).status == 304
    assert get(demo_server, f"/doi/abs/{A1}", {"If-None-Match": '"other"'}).status == 200
    assert get(demo_server, f"/doi/abs/{A1}", {"If-Modified-Since": modified}).status == 304
    assert get(demo_server, f"/doi/abs/{A1}", {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}).status == 200
    demo_server.changed = True  # new prices: new validators
    changed = get(demo_server, f"/doi/abs/{A1}", {"If-None-Match": etag})
    assert changed.status == 200 and changed.getheader("ETag") != etag
    assert b"USD 59.00" in changed.body  # type: ignore[attr-defined]


def test_special_pages(demo_server: DemoServer) -> None:
    robots = get(demo_server, "/robots.txt")
    assert robots.status == 200 and b"Disallow: /action" in robots.body  # type: ignore[attr-defined]
    assert b"\nCrawl-delay:" not in robots.body  # type: ignore[attr-defined]
    challenge = get(demo_server, "/doi/abs/10.5555/pwim.2024.2170007")
    assert challenge.status == 403 and b"<title>Just a moment...</title>" in challenge.body  # type: ignore[attr-defined]
    assert get(demo_server, "/doi/abs/10.5555/pwim.2024.9999999").status == 404
    assert get(demo_server, "/nowhere").status == 404
    resolved = get(demo_server, f"/resolve/{A1}")
    assert resolved.status == 302 and resolved.getheader("Location") == f"{demo_server.url}/doi/abs/{A1}"
    first, second = (get(demo_server, "/doi/full/10.5555/pwim.2024.2170006") for _ in range(2))
    assert (first.status, first.getheader("Retry-After"), second.status) == (503, "1", 200)
    assert [r.status for r in demo_server.requests][-2:] == [503, 200]


def test_second_server_fails_once_again() -> None:
    for _ in range(2):
        with DemoServer() as server:
            assert get(server, "/doi/abs/10.5555/pwim.2024.2170006").status == 503


@pytest.mark.parametrize("path", [p for p in render.target_paths()])
def test_every_target_answers(demo_server: DemoServer, path: str) -> None:
    assert get(demo_server, path).status in (200, 403, 404, 503)
