"""The file's messages in its timeline (beneficiaries/timeline.py), registered by
`MessagingConfig.ready()`: when, channel, kind, status and the text sent. The
file is only opened by counsellors and coordination (beneficiaries/perms.py)."""

from django.db.models import F
from django.db.models.functions import Coalesce, TruncDate

from beneficiaries.timeline import Source, register

from .models import Message

# A message's moment: when it was sent, else when it was queued.
MOMENT = Coalesce(F("sent_at"), F("created_at"))


def register_source() -> None:
    register(
        Source(
            kind="messages",
            label="Messages",
            heading="Message à la personne",
            template="messaging/timeline/message.html",
            of_file=lambda person: Message.objects.of_file(person),
            day=TruncDate(MOMENT),
            moment=MOMENT,
            rows=lambda person, pks: Message.objects.filter(pk__in=pks).select_related("created_by"),
        )
    )
