"""Settings of the test suite and the benchmarks: the production settings
(DEBUG off), over plain HTTP, with a fast password hasher, static files served
without a manifest, and the `bench` app.

Only test-run defaults are set here; everything else is config.settings.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside live_server
# Messages: SMS to a file outside the work tree; Brevo's reports accepted with this secret.
os.environ.setdefault("SMS_FILE_PATH", os.path.join(tempfile.gettempdir(), "permanences-test-sms.jsonl"))
os.environ.setdefault("BREVO_WEBHOOK_SECRET", "test-webhook-secret")

from .settings import *  # noqa: F403
from .settings import INSTALLED_APPS, STORAGES

# The benchmarks' commands, which the suite runs on tiny sizes (never installed in production).
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Background tasks run at once, in the request that enqueues them: most tests
# need no worker. The tests of the worker itself switch to the database
# backend and start `db_worker` (tests/beneficiaries/test_import_jobs.py).
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# Serve static files from the apps and static/ directly (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
