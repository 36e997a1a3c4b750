"""The regulator API (``/api/v1``, read-only) and the officer portal (``/portal``).

:func:`compliance.api.app.create_app` builds the FastAPI application from an
:class:`~compliance.bootstrap.App`. This package talks to the database only through the
use cases of :mod:`compliance.services` (it imports no SQLAlchemy), and no request value
ever names a file: templates and the stylesheet are read once, by fixed names.
"""
