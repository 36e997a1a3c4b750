"""The CLI's read models: what ``audits show`` and ``reports show/export/diff`` print,
read straight from the unit of work. Only :mod:`compliance.cli` (and tests) import them.
"""
