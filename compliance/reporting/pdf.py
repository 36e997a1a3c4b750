"""HTML → PDF through WeasyPrint, byte-deterministic.

Promise: the same HTML gives the same PDF bytes (same WeasyPrint, fonts and platform).
What would otherwise vary, and how it is pinned:

- the creation and modification dates: WeasyPrint reads them from the page's
  ``<meta name="dcterms.created|modified">``, which :func:`~compliance.reporting.html.render_html`
  sets to the manifest's ``audited_at`` (never the clock);
- the file identifier (``/ID``): derived from a sha256 of the HTML, passed explicitly as
  ``pdf_identifier`` rather than left to the writer;
- the base URL: none (the HTML is self-contained; only inline ``data:`` URLs are read, any
  other URL raises instead of reaching the network or the file system).

Font subsets are named by WeasyPrint from a hash of their content, so they do not vary.
"""

from __future__ import annotations

import hashlib

__all__ = ["render_pdf"]


def render_pdf(html: str) -> bytes:
    """The PDF of a self-contained report page (A4, fonts embedded and subset)."""
    import weasyprint  # heavy: imported only when a PDF is made

    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    # only inline data: URLs may be read: no network, no file system
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=("data",), fail_on_errors=False)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    pdf = document.write_pdf(pdf_identifier=identifier, uncompressed_pdf=False)
    if not isinstance(pdf, bytes):  # pragma: no cover - write_pdf() without target
        raise TypeError("WeasyPrint returned no bytes")
    return pdf
