"""huying (呼应): the project package — settings, URLs and the WSGI entry point."""
