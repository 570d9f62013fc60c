"""The explorer in a real browser: Debian's Chromium (/usr/bin/chromium) driven by Playwright,
against `coevidence serve` on the bundled data on 127.0.0.1. Each test fails on any console
error (the server sends a Content-Security-Policy of ``default-src 'self'``, server/headers.py,
so inline script or style would show as one), on any request that leaves the server, and saves a screenshot under
``test-artifacts/`` (git-ignored). No browser is downloaded: `.ci/run` installs Debian's.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, bundled_server, request):
    server = bundled_server
    context = browser.new_context(viewport={"width": 1200, "height": 1000})

    tab = context.new_page()
    problems: list[str] = []
    def check_console(message) -> None:
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        problems.append(f"console {message.type}: {message.text} ({where})")

    tab.on("console", check_console)
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def check_request(req) -> None:
        if not req.url.startswith((server.base + "/", "data:", "blob:", "about:")):
            problems.append(f"request leaving the server: {req.url}")

    tab.on("request", check_request)
    tab.base = server.base
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=False)
    context.close()
    assert not problems, "\n".join(problems)


def wait_until(page, expression: str, patience_s: float = 30.0) -> None:
    """Poll *expression* with evaluate (wait_for_function compiles a string, which the CSP forbids)."""
    deadline = time.monotonic() + patience_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        page.wait_for_timeout(100)


def test_a_catalogue_question_runs_in_the_editor(page):
    response = page.goto(page.base + "/query")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click('button.run-question[data-question="pilot_overview"]')
    page.wait_for_selector(".yasr table tbody tr", timeout=30_000)
    table = page.inner_text(".yasr table")
    assert "Vunki mano" in table and "Estonia" in table


def test_a_query_link_opens_in_the_editor(page):
    page.goto(page.base + "/pilots")
    page.click("a.show-query")
    page.wait_for_selector(".yasqe .CodeMirror")
    text = page.evaluate("window.coevidenceYasgui.getTab().getQuery()")
    assert "coe:Pilot" in text


def test_a_pilot_graph_opens_a_node(page):
    page.goto(page.base + "/pilots/ee-voru-disability")
    wait_until(page, "!!(window.coevidenceGraph && window.coevidenceGraph.nodes().length > 0)")
    node = page.evaluate(
        "(() => { const n = window.coevidenceGraph.nodes().filter(n => n.data('kind') !== 'Pilot')[0];"
        " const p = n.renderedPosition(); return {id: n.id(), x: p.x, y: p.y}; })()"
    )
    links = page.evaluate("JSON.parse(document.getElementById('pilot-links').textContent)")
    box = page.locator("#pilot-graph").bounding_box()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pilot-graph.png"))
    with page.expect_navigation():
        page.mouse.click(box["x"] + node["x"], box["y"] + node["y"])
    assert page.url.endswith(links[node["id"]])


def test_two_facets_combine(page):
    page.goto(page.base + "/pilots")
    page.click('a[data-facet="country"][data-value$="/NLD"]')
    page.wait_for_url(re.compile(r"country="))
    assert page.locator(".pilot-list li").count() == 2
    link = page.locator('#facet-target_group li:not(.selected) a').first
    link.click()
    page.wait_for_url(re.compile(r"target_group="))
    assert "country=" in page.url
    shown = page.locator(".pilot-list li").count()
    assert 1 <= shown <= 2
    assert page.locator(".applied li").count() == 2


def test_a_compare_cell_opens_its_claims(page):
    page.goto(page.base + "/compare?dimension=factors")
    cell = page.locator("a.cell").first
    count = int(cell.inner_text())
    cell.click()
    page.wait_for_selector("article.claim")
    assert page.locator("article.claim").count() == count
    assert page.locator("article.claim ul.sources a").count() >= 1
