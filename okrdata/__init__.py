"""The OKR dashboard's core: schema, validation, numbers, queries, seed data and the CLI.

Nothing in this package imports streamlit; the pages in ``pages/`` and the helpers in ``ui/``
only lay out what the functions here compute.
"""

__version__ = "0.1.0"
