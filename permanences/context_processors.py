from . import perms


def roles(request):
    """The current user's roles, for the navigation."""
    user = getattr(request, "user", None)
    user_roles = perms.roles_of(user) if user is not None else frozenset()
    return {"user_roles": {role.value for role in user_roles}}
