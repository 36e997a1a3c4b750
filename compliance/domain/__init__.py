"""The pure core: frozen contracts shared by every layer; no I/O, no frameworks."""
