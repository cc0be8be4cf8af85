"""Benchmark of the messages: queue and send N reminders (10,000 by default) to the file
backend; throughput and SQL queries per message, at N/10 and at N (constant).

Run it on a throwaway database, e.g. `make bench-messages`.
"""

from django.db import connection

from bench.command import BenchmarkCommand
from bench.db import BenchmarkError, check_database
from bench.messages import measure
from messaging.models import Message


class Command(BenchmarkCommand):
    help = "Met en file et envoie N rappels par SMS (10 000 par défaut) vers le fichier ; débit et requêtes."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--messages", type=int, default=10_000, help="Rappels (défaut : 10 000).")

    def run(self, *, messages, **options) -> dict:
        if messages < 10:
            raise BenchmarkError("Au moins 10 rappels (mesurés à N/10 puis à N).")
        check_database(empty=(Message,), holding="messages")
        sizes = {}
        for tag, count in (("petit", messages // 10), ("grand", messages)):
            figures = measure(count, tag=tag)
            sizes[str(count)] = figures
            self.say(
                f"{count} rappels : mis en file en {figures['queue_s']:.1f} s "
                f"({figures['queue_per_s']:.0f}/s, {figures['queue_queries_per_message']} requête(s) SQL "
                f"par message), envoyés en {figures['send_s']:.1f} s ({figures['send_per_s']:.0f}/s, "
                f"{figures['send_queries_per_message']} requête(s) SQL par message)."
            )
        return {"database": connection.vendor, "sizes": sizes}
