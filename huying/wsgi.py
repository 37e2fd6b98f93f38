"""WSGI entry point for gunicorn and other servers."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, the URLconf) lives as long as the process.
# Moving it out of the collector's reach spares every full collection from walking it again,
# which otherwise shows up as the slowest one in a few hundred requests.
gc.collect()
gc.freeze()
