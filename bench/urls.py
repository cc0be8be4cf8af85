"""The URLs of the load benchmark's server: the project's, and the bare view.

Only `bench/wsgi.py` serves them (the gunicorn that `bench_load` starts): the
test settings and production keep `config.urls`, which has no bare view.
"""

from django.urls import include, path

from . import views

BARE_PATH = "banc-d-essai/vide/"

urlpatterns = [
    path(BARE_PATH, views.bare, name="bench_bare"),
    path("", include("config.urls")),
]

handler403 = "core.views.permission_denied"
