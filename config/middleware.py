from django.utils.cache import add_never_cache_headers


class NoStoreForUsersMiddleware:
    """Pages seen by a logged-in user are never kept by browsers or proxies:
    they may show personal data (back button on a shared computer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            response.headers["Cache-Control"] = "no-store, " + response.headers["Cache-Control"]
        return response
