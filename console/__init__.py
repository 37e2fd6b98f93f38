"""The staff console: server-rendered pages with HTMX for operators, dispatchers and groups."""
