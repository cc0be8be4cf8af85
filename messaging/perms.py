"""Who may see and write messages to persons.

The messages page lists persons' names and what they were sent: coordination
only (the city never: it sees the dashboard's monthly counts). A file's
messages are shown on the file, which only counsellors and coordination open;
both may write a one-off message to a person, from an identified file. The texts
the messages are written from hold nothing about anyone: coordination edits them,
and so do the installation's admins (also in the Django admin).
"""

from django.shortcuts import get_object_or_404

from beneficiaries import perms as file_perms
from beneficiaries.models import Beneficiary
from core.enums import Role
from core.roles import has_role, is_admin, require

from .models import MessageTemplate


def can_view_messages(user) -> bool:
    return has_role(user, Role.COORDINATION)


def can_write_messages(user) -> bool:
    return file_perms.can_edit_files(user)


def can_edit_texts(user) -> bool:
    return has_role(user, Role.COORDINATION) or is_admin(user)


def require_view_messages(request) -> None:
    require(can_view_messages(request.user))


def require_write_messages(request) -> None:
    require(can_write_messages(request.user))


def get_person_to_message(request, pk: int) -> Beneficiary:
    """The file a one-off message goes to: never an anonymised one (refused, 403)."""
    require_write_messages(request)
    return file_perms.get_beneficiary_for_user(request, pk, edit=True)


def require_edit_texts(request) -> None:
    require(can_edit_texts(request.user))


def get_text_for_user(request, pk: int) -> MessageTemplate:
    """The text of one kind of message on one channel, to edit (404 for an unknown one)."""
    require_edit_texts(request)
    return get_object_or_404(MessageTemplate.objects.for_listing(), pk=pk)
