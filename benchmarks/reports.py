"""Report rendering overhead against WeasyPrint alone, side by side in one run.

    python benchmarks/reports.py [MANIFEST.json]

Takes the largest demo manifest (or the one given) and measures, three times each:

- ``ours``: the whole path of issuing — charts, templating, manifest hashing and signing,
  HTML to PDF (``render_html`` + ``render_pdf`` + sha256 + Ed25519);
- ``weasyprint``: WeasyPrint alone on the final HTML of the same report.

Prints both medians, the overhead ratio (target: at most 30% over WeasyPrint alone), the
page count and the number of SVG charts.
"""

from __future__ import annotations

import hashlib
import re
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

from weasyprint import HTML

from compliance.domain.manifest import ReportManifest, canonical_bytes, manifest_sha256
from compliance.reporting.html import render_html
from compliance.reporting.ledger import generate_key, private_key_from_pem, sign_manifest
from compliance.reporting.pdf import render_pdf


def largest_demo_manifest() -> Path:
    """Run the demo in a scratch home and return its largest manifest."""
    import os

    from compliance.cli.main import run

    home = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    os.environ["COMPLIANCE_HOME"] = str(home)
    os.environ.pop("COMPLIANCE_DATABASE_URL", None)
    if run(["demo", "--json"]) != 0:
        raise SystemExit("the demo failed")
    return max((home / "manifests").glob("*.json"), key=lambda p: p.stat().st_size)


def count_pages(pdf: bytes) -> int:
    """The page objects (``/Type /Page``) of a PDF, in the file or in its object streams
    (WeasyPrint compresses the page dictionaries into those)."""
    texts = [pdf]
    for match in re.finditer(rb"<<([^>]*/Type /ObjStm[^>]*)>>\s*stream\r?\n", pdf):
        length = re.search(rb"/Length (\d+)", match.group(1))
        if length is not None:
            texts.append(zlib.decompress(pdf[match.end() : match.end() + int(length.group(1))]))
    return sum(len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", text)) for text in texts)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else largest_demo_manifest()
    manifest = ReportManifest.model_validate_json(path.read_bytes())
    key = private_key_from_pem(generate_key()[0])
    ours, alone = [], []
    html = ""
    pdf = b""
    for _ in range(3):
        started = time.perf_counter()
        sha = manifest_sha256(manifest)
        sign_manifest(key, sha)
        html = render_html(manifest)
        pdf = render_pdf(html)
        hashlib.sha256(canonical_bytes(manifest) + html.encode() + pdf).hexdigest()
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        HTML(string=html).write_pdf()
        alone.append(time.perf_counter() - started)
    ours_s, alone_s = statistics.median(ours), statistics.median(alone)
    pages = count_pages(pdf)
    print(f"manifest: {path.name} ({path.stat().st_size:,} bytes), {html.count('<svg')} SVG charts")
    print(f"ours (charts + templating + hashing + signing + PDF): {ours_s:.2f} s (median of 3)")
    print(f"WeasyPrint alone on the same HTML:                   {alone_s:.2f} s (median of 3)")
    overhead = 100 * (ours_s / alone_s - 1)
    print(f"overhead: {overhead:.0f}% (target <= 30%); PDF {len(pdf):,} bytes, {pages} pages")


if __name__ == "__main__":
    main()
