"""gunicorn's settings for Permanences emploi, read by the unit
deploy/systemd/permanences-gunicorn.service (`gunicorn --config deploy/gunicorn.conf.py`)
and by tests/deploy/. Host-specific values come from the environment (the unit's
EnvironmentFile):

    GUNICORN_BIND     address to listen on (default 127.0.0.1:8000; on an app host
                      behind a separate load balancer, its private address)
    GUNICORN_WORKERS  worker processes (default: CPU count x 2 + 1)
    GUNICORN_TIMEOUT  seconds before a silent worker is killed and replaced (default 120)
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Synchronous workers: one request at a time each, the database does the waiting.
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
# SIGTERM (systemctl stop, restart): requests under way get this long to finish.
graceful_timeout = 30
# Workers are replaced now and then, staggered, so that none grows for ever.
max_requests = 2000
max_requests_jitter = 200
# No access log: the app writes one line per request, with its route and never
# its path or query string (core/logs.py); gunicorn's errors go to stderr (journald).
accesslog = None
errorlog = "-"
loglevel = "info"
