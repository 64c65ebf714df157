"""The report as a person sees it: headless Chromium renders the page, takes a screenshot,
and dumps the DOM it built; the console stays silent.

Chromium is Debian's ``chromium`` package. Locally the test is skipped when it is missing;
under CI (``CI=true``, as `.ci/run` sets it, after installing chromium) a missing browser is
a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from smarketing.report import Report, render_html, write_html

# The tests that share the demo's simulation and report run on one worker: built once.
pytestmark = pytest.mark.xdist_group("demo")

HEADINGS = (
    "The funnel",
    "Conversion by persona and by source",
    "The SLA by rep",
    "The feedback loop",
    "Attribution and ROI",
    "Evaluation of the lead score",
    "The backtest of the candidate playbook",
)
WIDTH, HEIGHT = 1280, 2000
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    f"--window-size={WIDTH},{HEIGHT}",
)
#: A page that is blank on screen and that breaks its content policy: the checks must fail it.
BROKEN = (
    "<!DOCTYPE html><html><head><meta http-equiv='Content-Security-Policy' "
    "content=\"default-src 'none'\"></head><body><img src='https://example.com/x.png'></body>"
    "</html>"
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but chromium is not installed (.ci/run installs it with apt-get)")
    pytest.skip("chromium is not installed here (apt-get install chromium); CI runs this test")


def browse(page: Path, tmp: Path, *what: str) -> subprocess.CompletedProcess[str]:
    """Chromium on `page`, with a profile of its own, doing `what` (a screenshot, a DOM dump)."""
    argv = [chromium(), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *what, page.as_uri()]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def console(stderr: str) -> list[str]:
    """What the page said on the console (Chromium logs it as ``...:CONSOLE(...)] "..."``)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def png_rows(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the filtered scanlines of an 8-bit RGB(A) PNG, read with zlib."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(png):
        length = int.from_bytes(png[pos : pos + 4], "big")
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            assert body[8] == 8, "8 bits per channel"
            channels = {2: 3, 6: 4}[body[9]]
        elif kind == b"IDAT":
            data += body
    raw = zlib.decompress(data)
    stride = width * channels + 1  # each scanline starts with its filter byte
    return width, height, [raw[i * stride + 1 : (i + 1) * stride] for i in range(height)]


def drawn_share(png: bytes) -> float:
    """The share of scanlines with something drawn on them.

    A scanline of one colour filters to at most a few distinct byte values (the colour and
    zeros, whatever the filter); text, rules and charts give many. Reading the filtered lines
    is enough to tell, and far faster than undoing the filters in Python.
    """
    _, _, rows = png_rows(png)
    return sum(len(set(row)) > 4 for row in rows) / len(rows)


@pytest.fixture(scope="module")
def demo_page(demo_report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = demo_report
    return write_html(tmp_path_factory.mktemp("page") / "report.html", render_html(page))


class TestInChromium:
    def test_the_screenshot_shows_a_page(self, demo_page: Path, tmp_path: Path) -> None:
        """Rendered at 1280x2000, the page fills the screenshot, and the console is silent."""
        shot = tmp_path / "report.png"
        done = browse(demo_page, tmp_path, f"--screenshot={shot}")
        width, height, _ = png_rows(shot.read_bytes())
        assert (width, height) == (WIDTH, HEIGHT)
        assert drawn_share(shot.read_bytes()) > 0.3
        assert console(done.stderr) == []

    def test_the_dom_has_every_sections_heading(self, demo_page: Path, tmp_path: Path) -> None:
        """The DOM Chromium built holds each section, its heading, its charts and tables."""
        done = browse(demo_page, tmp_path, "--dump-dom")
        dom = done.stdout
        headings = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2>(.*?)</h2>", dom)]
        assert headings == list(HEADINGS)
        assert dom.count("<svg") >= 9 and dom.count("<table") >= 11
        assert console(done.stderr) == []

    def test_the_checks_catch_a_blank_page_and_a_console_error(self, tmp_path: Path) -> None:
        """The same checks fail a page that shows nothing and breaks its content policy."""
        page = tmp_path / "broken.html"
        page.write_text(BROKEN, encoding="utf-8")
        shot = tmp_path / "broken.png"
        done = browse(page, tmp_path, f"--screenshot={shot}")
        assert drawn_share(shot.read_bytes()) < 0.01
        assert any("Content Security Policy" in line for line in console(done.stderr))
