"""Queue the reminders due and look after the queue: run every 15 minutes (README,
"Messages aux personnes"). Run twice, it queues and sends nothing twice."""

from django.core.management.base import BaseCommand

from messaging.sending import stale_sending_fail
from messaging.services import lost_messages_requeue, reminders_queue


class Command(BaseCommand):
    help = "Met en file les rappels à envoyer et relance les envois perdus (toutes les 15 minutes)."

    def handle(self, *args, **options):
        failed = stale_sending_fail()
        queued = reminders_queue()
        requeued = lost_messages_requeue()
        self.stdout.write(
            f"{queued} rappel(s) mis en file, {requeued} envoi(s) relancé(s), "
            f"{failed} envoi(s) interrompu(s) noté(s) en échec."
        )
