"""The API's and the portal's read models: queries that authenticate the caller, read
through the storage read repository and shape what the routes return. Only
:mod:`compliance.api` imports them (import-linter: "API views may read storage").
"""
