"""The WSGI application of the load benchmark: `config.wsgi`'s, with the test
settings and the URLs of `bench/urls.py` (the project's and the bare view).

Every simulated user logs in from 127.0.0.1: allauth's limit of 30 logins a
minute from one address would refuse the dozens of a step, so it is off here
(the failed-login limits and django-axes stay); real users each have theirs."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
# Set once, before the application is built; nothing else changes the settings.
settings.ROOT_URLCONF = "bench.urls"
settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": False}
application = get_wsgi_application()
