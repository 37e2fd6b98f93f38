"""The JSON API (django-ninja), version 1, served under /api/v1/."""
