"""The ``/api/v1`` routes, one module per family of objects; all GET (and HEAD)."""
