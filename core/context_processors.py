from .roles import roles_of


def roles(request):
    """The current user's roles and the current view's name, for the navigation.

    `current_view` is empty on a page no URL resolves to (the 404 page).
    """
    user = getattr(request, "user", None)
    user_roles = roles_of(user) if user is not None else frozenset()
    match = getattr(request, "resolver_match", None)
    return {
        "user_roles": {role.value for role in user_roles},
        "current_view": match.view_name if match is not None else "",
    }
