"""A report's bundle for download: the verifiable zip of :mod:`compliance.reporting.bundle`.

:func:`build_bundle` hands the report's manifest, HTML and PDF, the ledger entries up to
its own (those the caller may see) and the public keys to the reporting package's bundle
builder, so ``compliance reports verify`` checks what the portal and the API serve. A
report that lacks one of the three renderings (none is issued so; only hand-made rows)
gets a plain zip of what it has instead. Replace this module's body by the reporting
package's export use case when there is one.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile

from compliance.api.views.responses import BundleParts, ReportDetail
from compliance.reporting.bundle import build_bundle as build_verifiable_bundle

__all__ = ["build_bundle", "bundle_filename"]

_NAMES = {"json": "manifest.json", "html": "report.html", "pdf": "report.pdf"}
_EPOCH = (1980, 1, 1, 0, 0, 0)


def bundle_filename(report: ReportDetail) -> str:
    """``<model>_<policy>_v<version>.zip``, reduced to safe characters."""
    stem = f"{report.model.name}_{report.policy.name}_v{report.version}"
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '-', stem).strip('-.') or 'report'}.zip"


def build_bundle(parts: BundleParts) -> bytes:
    """The bundle's bytes (held in memory: a bundle is one report's own artifacts)."""
    if set(_NAMES) <= parts.files.keys() and all(
        e.payload_encoding == "utf-8" for e in parts.ledger
    ):
        return build_verifiable_bundle(
            manifest=parts.files["json"],
            html=parts.files["html"],
            pdf=parts.files["pdf"],
            entries=[json.loads(e.payload) for e in parts.ledger],
            public_keys={k.key_id: bytes.fromhex(k.public_key) for k in parts.keys},
        )
    return _plain_zip(parts)


def _plain_zip(parts: BundleParts) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind, name in _NAMES.items():
            if kind in parts.files:
                archive.writestr(zipfile.ZipInfo(name, date_time=_EPOCH), parts.files[kind])
        report = json.dumps(dataclasses.asdict(parts.report), indent=2, sort_keys=True)
        archive.writestr(zipfile.ZipInfo("report.json", date_time=_EPOCH), report + "\n")
    return buffer.getvalue()
