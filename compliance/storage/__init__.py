"""Storage: the only package that speaks SQL (tables, engine, unit of work, repositories,
bulk load and read). Nothing here commits on its own: the unit of work does."""
