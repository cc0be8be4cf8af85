"""Benchmark of the person search on PostgreSQL (issue: under 50 ms at the median).

Run it on a throwaway database, e.g. `make bench-search`.
"""

import datetime
import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from beneficiaries.models import Beneficiary, Visit, next_refs
from core.enums import Role
from demo import names
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Venue
from permanences.territory import seed_territory

BATCH = 5000


class Command(BaseCommand):
    help = "Génère N personnes fictives (100 000 par défaut) et mesure le temps serveur de la recherche."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=100_000)
        parser.add_argument("--searches", type=int, default=200)
        parser.add_argument(
            "--reuse", action="store_true", help="Mesurer sur les données d'un lancement précédent."
        )

    def handle(self, *args, persons, searches, reuse, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Ce banc d'essai mesure PostgreSQL : définissez DATABASE_URL.")
        rng = random.Random(42)
        if not reuse:
            if Beneficiary.objects.exists():
                raise CommandError(
                    "La base contient déjà des dossiers : lancez le banc d'essai sur une base vide."
                )
            started = time.perf_counter()
            self.generate(rng, persons)
            self.stdout.write(
                f"Données : {persons} personnes générées en {time.perf_counter() - started:.1f} s."
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(f"{Beneficiary.objects.count()} personnes, {Visit.objects.count()} rendez-vous.")
        self.measure(rng, searches)

    def generate(self, rng, count):
        seed_territory()
        venues = list(Venue.objects.all())
        start = datetime.date(2021, 1, 4)
        permanences = Permanence.objects.bulk_create(
            Permanence(
                venue=venue,
                date=start + datetime.timedelta(days=day),
                start_time=datetime.time(9, 30),
                end_time=datetime.time(12, 30),
                status=PermanenceStatus.HELD,
            )
            for day in range(0, 5 * 365, 7)
            for venue in venues
        )
        refs = next_refs(2021, count)
        for first in range(0, count, BATCH):
            rows = []
            for n in range(first, min(first + BATCH, count)):
                female = rng.random() < 0.6
                rows.append(
                    Beneficiary(
                        ref=refs[n],
                        last_name=rng.choice(names.FAMILY_NAMES),
                        first_name=rng.choice(names.FEMALE_FIRST_NAMES if female else names.MALE_FIRST_NAMES),
                        sex="F" if female else "M",
                        birth_date=datetime.date(
                            rng.randint(1950, 2006), rng.randint(1, 12), rng.randint(1, 28)
                        ),
                        phone=f"06 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {n // 100 % 100:02d} {n % 100:02d}",  # noqa: E501
                    )
                )
            Beneficiary.objects.bulk_create(rows)
            self.visits(rng, rows, permanences)

    def visits(self, rng, persons, permanences):
        visits = []
        for person in persons:
            for permanence in rng.sample(permanences, rng.randint(1, 3)):
                visits.append(Visit(beneficiary=person, permanence=permanence))
        Visit.objects.bulk_create(visits)

    def measure(self, rng, searches):
        user, _ = get_user_model().objects.get_or_create(username="bench-conseillere")
        user.groups.add(Group.objects.get(name=Role.CONSEILLER))
        client = Client()
        client.force_login(user)
        sample = list(Beneficiary.objects.order_by("?")[: searches // 5 + 1])
        queries = {
            "nom exact": lambda p: f"{p.last_name} {p.first_name}",
            "nom avec faute, sans accent": lambda p: typo(rng, p.search_key),
            "téléphone": lambda p: p.phone.replace(" ", ""),
            "date de naissance": lambda p: p.birth_date.strftime("%d/%m/%Y"),
            "référence": lambda p: p.ref,
        }
        url = reverse("beneficiaries:search")
        every = []
        self.stdout.write("Temps serveur de la recherche (requête htmx complète : vue, SQL, gabarit) :")
        for label, make in queries.items():
            timings = []
            for person in sample:
                started = time.perf_counter()
                response = client.get(
                    url, {"q": make(person)}, headers={"HX-Request": "true"}, SERVER_NAME="localhost"
                )
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            every += timings
            self.stdout.write(
                f"  {label:<30} médiane {statistics.median(timings):6.1f} ms, "
                f"90e centile {statistics.quantiles(timings, n=10)[-1]:6.1f} ms ({len(timings)} recherches)"
            )
        self.stdout.write(self.style.SUCCESS(f"Médiane globale : {statistics.median(every):.1f} ms."))


def typo(rng, key: str) -> str:
    """Drop one letter of the family name (accents are already gone from the key)."""
    last, _, first = key.partition(" ")
    if len(last) > 4:
        i = rng.randrange(1, len(last) - 1)
        last = last[:i] + last[i + 1 :]
    return f"{last} {first}"
