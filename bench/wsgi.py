"""The WSGI application of the load benchmark: `config.wsgi`'s, with the test
settings and the URLs of `bench/urls.py` (the project's and the bare view)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
# Set once, before the application is built; nothing else changes the settings.
settings.ROOT_URLCONF = "bench.urls"
application = get_wsgi_application()
