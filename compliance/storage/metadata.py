"""The whole schema: one ``MetaData`` holding every table, because this module imports every
table module (no table is registered by the side effect of another module's import).

Migrations (``migrations/env.py``), the drift check (:mod:`compliance.storage.migrate`)
and the tests' clean-up read :data:`metadata` from here. A new table module is added to
:data:`TABLE_MODULES`.
"""

from __future__ import annotations

from types import ModuleType

from sqlalchemy import MetaData

from compliance.storage import scheduling_tables, tables
from compliance.storage.base import Base

__all__ = ["TABLE_MODULES", "metadata"]

TABLE_MODULES: tuple[ModuleType, ...] = (tables, scheduling_tables)
"""Every module that declares tables on :class:`~compliance.storage.base.Base`."""

metadata: MetaData = Base.metadata
"""Every table of :data:`TABLE_MODULES`."""
