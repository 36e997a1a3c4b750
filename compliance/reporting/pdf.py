"""HTML → PDF through WeasyPrint, byte-deterministic whatever the clock.

Promise: the same HTML gives the same PDF bytes (same WeasyPrint, fonts and platform), in
any process, at any time, with or without ``SOURCE_DATE_EPOCH`` in the environment, and
whether WeasyPrint subsets fonts with HarfBuzz or with fontTools. Every value that could
vary, and where it comes from instead:

- the creation and modification dates: WeasyPrint reads them from the page's
  ``<meta name="dcterms.created|modified">``, which :func:`~compliance.reporting.html.render_html`
  sets to the manifest's ``audited_at`` (never the clock);
- the embedded font subsets' own dates, ``head.created`` and ``head.modified``: set to that
  same time (``dcterms.modified``, else ``dcterms.created``, else 1904-01-01, the zero of
  the font clock). This is needed: when HarfBuzz's subsetter is missing (no
  ``libharfbuzz-subset``), WeasyPrint subsets with fontTools, which writes the time of
  writing into ``head.modified`` (``time.time()``, or ``SOURCE_DATE_EPOCH`` when set);
  so does fontTools when WeasyPrint instantiates a variable font or strips colour glyphs,
  whichever subsetter ran. Two renders a second apart differed in those 8 bytes of every
  font (and so in the compressed font streams, the offsets and the ``/ID``). The dates
  are set by a WeasyPrint *finisher*, the documented hook that sees the PDF objects before
  they are written: it rewrites each embedded font program's two dates in place and fixes
  its checksums (:mod:`~compliance.reporting._font_times`; the same bytes fontTools writes
  when told those dates). It is passed per call: no global state, no environment variable
  and no patched library, so renders in several threads or processes cannot disturb each
  other or other code;
- the file identifier (``/ID``): its first half is a sha256 of the HTML, passed explicitly
  as ``pdf_identifier``; its second half is pydyf's md5 of the objects, so of the content;
- the base URL: none (the HTML is self-contained; only inline ``data:`` URLs are read, any
  other URL raises instead of reaching the network or the file system).

Font subsets are named by WeasyPrint from a hash of the font description, not of the time.
What the bytes still depend on is the rendering stack (:func:`rendering_stack`): another
WeasyPrint, fontTools or HarfBuzz version, another subsetter, other system fonts or Pango
lay out or encode the same page differently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from importlib import metadata
from typing import Any

from compliance.reporting._font_times import font_time, set_font_times

__all__ = ["render_pdf", "rendering_stack"]

_FONT_FILES = ("FontFile", "FontFile2", "FontFile3")


def render_pdf(html: str) -> bytes:
    """The PDF of a self-contained report page (A4, fonts embedded and subset)."""
    import weasyprint  # heavy: imported only when a PDF is made

    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    # only inline data: URLs may be read: no network, no file system
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=("data",), fail_on_errors=False)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).render()
    dated = document.metadata.modified or document.metadata.created
    pdf = document.write_pdf(
        pdf_identifier=identifier,
        uncompressed_pdf=False,
        finisher=_font_dates_finisher(font_time(_parse_date(dated))),
    )
    if not isinstance(pdf, bytes):  # pragma: no cover - write_pdf() without target
        raise TypeError("WeasyPrint returned no bytes")
    return pdf


def rendering_stack() -> dict[str, str]:
    """What the PDF bytes depend on besides the HTML: library versions and the subsetter."""
    from weasyprint.pdf import fonts

    # the test WeasyPrint makes (weasyprint/pdf/fonts.py, Font.subset)
    harfbuzz = bool(fonts.harfbuzz_subset) and fonts.harfbuzz.hb_version_atleast(4, 1, 0)
    stack = {name: _version(name) for name in ("weasyprint", "pydyf", "fonttools")}
    stack["font_subsetter"] = "harfbuzz" if harfbuzz else "fonttools"
    return stack


def _font_dates_finisher(seconds: int) -> Callable[[Any, Any], None]:
    """A WeasyPrint finisher setting every embedded font program's dates to ``seconds``."""

    def finish(document: Any, pdf: Any) -> None:
        for descriptor in pdf.objects:
            if not isinstance(descriptor, dict) or descriptor.get("Type") != "/FontDescriptor":
                continue
            for key in _FONT_FILES:
                if key not in descriptor:
                    continue
                stream = pdf.objects[int(bytes(descriptor[key]).split()[0])]
                if len(stream.stream) == 1 and isinstance(stream.stream[0], bytes):
                    stream.stream[0] = set_font_times(stream.stream[0], seconds)

    return finish


def _parse_date(text: str | None) -> dt.datetime:
    """A W3C date from the page's metadata; 1904-01-01 (font time zero) when absent or
    partial (the report page always gives a full date and time)."""
    try:
        return dt.datetime.fromisoformat(text or "")
    except ValueError:
        return dt.datetime(1904, 1, 1, tzinfo=dt.UTC)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # pragma: no cover - installed with weasyprint
        return "absent"
