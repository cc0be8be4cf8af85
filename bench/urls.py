"""The URLs of the load benchmark's server: the project's, the bare view and the empty page.

Only `bench/wsgi.py` serves them (the gunicorn that `bench_load` starts): the
test settings and production keep `config.urls`, which has neither.
"""

from django.urls import include, path

from . import views

BARE_PATH = "banc-d-essai/vide/"
EMPTY_PATH = "banc-d-essai/page-vide/"

urlpatterns = [
    path(BARE_PATH, views.bare, name="bench_bare"),
    path(EMPTY_PATH, views.empty, name="bench_empty"),
    path("", include("config.urls")),
]

handler403 = "core.views.permission_denied"
