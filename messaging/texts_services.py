"""Writing the texts the messages are written from (the page "Textes des messages",
and the Django admin): checked as messaging/texts.py says, saved whole with who
changed them and when. A message already queued keeps the text it was written
with; those queued afterwards are written from the new one."""

from django.db import transaction

from .enums import Channel
from .models import MessageTemplate
from .texts import text_body, text_errors


class TextRefused(Exception):
    """A text that cannot be saved: `errors` by field ("subject", "body"), in French."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@transaction.atomic
def message_template_update(*, template: MessageTemplate, subject: str, body: str, user) -> MessageTemplate:
    """Save the subject (e-mails only: an SMS has none) and the text of `template`, by
    `user`; TextRefused, nothing saved, for an unknown placeholder or a missing text.
    Two saves at once follow each other (the row is locked): the last one stays."""
    locked = MessageTemplate.objects.select_for_update().filter(pk=template.pk).first()
    if locked is None:
        raise TextRefused({"body": "Ce texte n'existe plus."})
    subject = subject.strip() if locked.channel == Channel.EMAIL else ""
    body = text_body(body)
    errors = text_errors(kind=locked.kind, channel=locked.channel, subject=subject, body=body)
    if errors:
        raise TextRefused(errors)
    locked.subject, locked.body, locked.updated_by = subject, body, user
    locked.save(update_fields=["subject", "body", "updated_by", "updated_at"])
    return locked
