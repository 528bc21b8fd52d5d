"""The console's page, its ES modules and its texts, as the server hands them out."""

from __future__ import annotations

import re

import pytest

from bot.console.routes_page import CHART_JS, MODULE_DIR
from bot.console.texts import page_texts
from tests.conftest import missing
from tests.console.conftest import Server

pytestmark = pytest.mark.anyio

IMPORT = re.compile(r'from "\./(?:js/)?([a-z_]+\.js)"')


async def test_the_texts_are_served_without_signing_in(server: Server) -> None:
    async with server.client() as anyone:
        status, body = await anyone.get("api/texts")
    assert status == 200
    assert body == {"page": page_texts()}


async def test_the_page_loads_its_entry_module_under_its_policy(server: Server) -> None:
    async with server.client() as anyone, anyone.session.get(server.base) as page:
        policy = page.headers["Content-Security-Policy"]
        html = await page.text()
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert '<script src="console.js" type="module"></script>' in html


async def test_every_module_is_served_as_javascript(server: Server) -> None:
    """Browsers refuse a module of any other type; every import names a served module."""
    entry = (MODULE_DIR.parent / "console.js").read_text("utf-8")
    modules = sorted(p.name for p in MODULE_DIR.glob("*.js"))
    imported = set(IMPORT.findall(entry))
    for name in modules:
        imported |= set(IMPORT.findall((MODULE_DIR / name).read_text("utf-8")))
    assert imported == set(modules)
    async with server.client() as anyone:
        for path in ["console.js", *(f"js/{name}" for name in modules)]:
            async with anyone.session.get(server.base + path) as reply:
                assert reply.status == 200, path
                assert reply.headers["Content-Type"] == "text/javascript; charset=utf-8"
                assert reply.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    ["js/missing.js", "js/Texts.js", "js/texts.mjs", "js/..%2Fconsole.js", "js/.hidden.js", "x.js"],
)
async def test_nothing_else_is_served(server: Server, path: str) -> None:
    async with server.client() as anyone, anyone.session.get(server.base + path) as reply:
        assert reply.status == 404, path


async def test_chart_js_is_served_beside_the_page(server: Server) -> None:
    """The dashboard's Chart.js: the npm package's UMD build, as JavaScript, from the origin."""
    if not CHART_JS.is_file():
        missing(f"{CHART_JS} is missing: run scripts/web_setup.sh")
    path = server.base + "chart.umd.min.js"
    async with server.client() as anyone, anyone.session.get(path) as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        body = await reply.read()
    assert body == CHART_JS.read_bytes()
    assert b"new Function" not in body and b"eval(" not in body  # the CSP allows neither
