"""PDF: WeasyPrint renders the report deterministically, whatever the clock; pages
rasterize with pdftoppm."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from fontTools.misc.timeTools import timestampSinceEpoch
from fontTools.ttLib import TTFont

from compliance.reporting.pdf import render_pdf, rendering_stack
from tests.fake_time import DAYS_LATER, ISSUED, clock_at, use_fonttools_subsetter
from tests.unit.reporting.conftest import embedded_fonts

AUDITED_AT = dt.datetime(2026, 11, 23, 2, 0, 5, tzinfo=dt.UTC)  # the synthetic manifest's


@pytest.fixture(scope="module")
def pdf(synthetic_html: str) -> bytes:
    """Rendered at the fake issue time, with no SOURCE_DATE_EPOCH, by the subsetter the
    machine has (HarfBuzz where libharfbuzz-subset is installed, else fontTools)."""
    with clock_at(ISSUED):
        return render_pdf(synthetic_html)


def test_pdf_is_the_same_days_later(pdf: bytes, synthetic_html: str) -> None:
    assert pdf.startswith(b"%PDF-")
    with clock_at(DAYS_LATER, str(int(DAYS_LATER))):
        assert render_pdf(synthetic_html) == pdf


def test_embedded_fonts_carry_the_manifest_date(pdf: bytes) -> None:
    """fontTools would write the clock into head.modified, HarfBuzz keep the original
    font's dates: both give way to the page's date (the manifest's audited_at)."""
    assert_font_dates(pdf, AUDITED_AT)


def test_fonttools_subsets_carry_no_clock(
    synthetic_html: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path that wrote the clock into the fonts, taken whatever the machine has: the
    same bytes days later, with SOURCE_DATE_EPOCH unset (fontTools reads time.time()) and
    set to another day (fontTools reads it first)."""
    use_fonttools_subsetter(monkeypatch)
    assert rendering_stack()["font_subsetter"] == "fonttools"
    with clock_at(ISSUED):
        issued = render_pdf(synthetic_html)
    assert_font_dates(issued, AUDITED_AT)
    for source_date_epoch in (None, str(int(DAYS_LATER) + 86_400)):
        with clock_at(DAYS_LATER, source_date_epoch):
            assert render_pdf(synthetic_html) == issued, source_date_epoch


def assert_font_dates(pdf: bytes, moment: dt.datetime) -> None:
    fonts = embedded_fonts(pdf)
    assert len(fonts) >= 2, rendering_stack()
    expected = timestampSinceEpoch(moment.timestamp())
    for font in fonts:
        head = TTFont(io.BytesIO(font), checkChecksums=2)["head"]  # checksums checked
        assert (head.created, head.modified) == (expected, expected)


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")
def test_pdf_metadata_comes_from_the_manifest(pdf: bytes, tmp_path: Path) -> None:
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    info = subprocess.run(
        ["pdfinfo", "-isodates", str(source)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"CreationDate:\s+2026-11-23T02:00:05", info)  # audited_at, not the clock
    assert re.search(r"ModDate:\s+2026-11-23T02:00:05", info)
    assert "Title:           Audit report: toy-assistant 2.0" in info


def test_external_resources_are_never_fetched(tmp_path: Path) -> None:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        secret = tmp_path / "secret.css"
        secret.write_text("p { color: red }")
        url = f"http://127.0.0.1:{server.server_port}/x.png"
        html = (
            f'<html><head><link rel="stylesheet" href="{secret.as_uri()}"></head>'
            f'<body><img src="{url}"><p>x</p></body></html>'
        )
        assert render_pdf(html).startswith(b"%PDF-")
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pages_rasterize(pdf: bytes, tmp_path: Path) -> None:
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", str(source), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    info = subprocess.run(["pdfinfo", str(source)], capture_output=True, text=True, check=True)
    count = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    assert len(pages) == count >= 8
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pages)
    assert "A4" in info.stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_toc_header_and_page_numbers(pdf: bytes, tmp_path: Path) -> None:
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")[:-1]
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {total}" in page
        if number > 1:  # the running header, not on the cover
            assert "toy-assistant · version 2.0" in page and "report v3" in page
    toc = dict(re.findall(r"^\s*(\d+ [A-Z][a-z]+)[^\n]*?\.{3,}\s*(\d+)\s*$", pages[0], re.M))
    assert len(toc) == 10 and toc["1 Identity"] == "2"
    for title, page in toc.items():
        assert title in pages[int(page) - 1]  # the TOC's page numbers are right
