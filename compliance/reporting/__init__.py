"""Reporting: manifest → HTML → PDF, charts, the signed ledger and offline verification.

Pure: nothing here reads a database or the network (no SQLAlchemy, no storage, services,
cli or api import). Modules:

- :mod:`~compliance.reporting.html` — :func:`render_html`, :class:`IntegrityInfo`;
- :mod:`~compliance.reporting.charts` — matplotlib charts as deterministic inline SVG;
- :mod:`~compliance.reporting.pdf` — :func:`render_pdf` (WeasyPrint, deterministic);
- :mod:`~compliance.reporting.ledger` — keys, entries, hashes, signatures, chain checks;
- :mod:`~compliance.reporting.bundle` — the exported ``.zip`` bundle;
- :mod:`~compliance.reporting.verify` — :func:`verify_bundle`, :func:`main_verify`;
- :mod:`~compliance.reporting.diff` — :func:`diff_manifests`.

Heavy imports (matplotlib, WeasyPrint) happen in the submodules, not here.
"""
