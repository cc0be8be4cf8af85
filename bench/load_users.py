"""The simulated users of the load benchmark: each logs in through the real
forms (password, then the TOTP code of its role), then repeats the work of its
role, one request after the other with no pause (a closed loop), until told to stop.

Each request is timed under a kind (KINDS); a status other than the one a
browser expects, a refused or cut connection is an error.
"""

import asyncio
import random
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from core.enums import Role

from .load_data import PASSWORD, Account, Dataset
from .load_http import Browser, HttpError, Response, form_with, links
from .search import typo

# The kinds of request, as the report names them.
KINDS = {
    "login": "connexion (formulaire, mot de passe, code)",
    "today": "Ma permanence",
    "desk": "accueil de la permanence",
    "search": "recherche, nom mal orthographié",
    "file": "dossier de la personne",
    "visit_form": "formulaire de rendez-vous",
    "visit_post": "rendez-vous et orientation enregistrés",
    "outcome_form": "formulaire de sortie",
    "outcome_post": "sortie enregistrée",
    "dashboard_year": "tableau de bord d'une année",
    "dashboard_venue": "tableau de bord d'un lieu",
    "quality": "qualité des données",
    "person_list": "liste des personnes filtrée",
    "city_dashboard": "tableau de bord (ville)",
    "city_export": "export CSV (ville)",
    "bare": "vue nue (plafond de la pile)",
    "empty": "page connectée vide (plancher des pages)",
}
# After an error, a user waits this long before starting its work again.
ERROR_PAUSE_SECONDS = 0.2
NOTES = "Point sur la recherche d'emploi ; CV mis à jour."


@dataclass(frozen=True)
class Sample:
    kind: str
    ms: float
    ok: bool
    # When the response ended (time.perf_counter()).
    at: float
    # The server's id of the request (X-Request-ID), which its log line carries.
    request_id: str = ""


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    # The first errors, for the report (kind, what went wrong).
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, ms: float, problem: str | None, request_id: str = "") -> None:
        self.samples.append(Sample(kind, ms, problem is None, time.perf_counter(), request_id))
        if problem is not None and len(self.errors) < 10:
            self.errors.append(f"{kind}: {problem}")


class Failed(Exception):
    """The iteration cannot go on (an error was recorded)."""


class Stopped(Exception):
    """The step is over."""


class SimulatedUser:
    def __init__(self, account: Account, dataset: Dataset, browser: Browser, seed: int):
        self.account, self.dataset, self.browser = account, dataset, browser
        self.rng = random.Random(seed)
        self.recorder = Recorder()
        self.stop: asyncio.Event | None = None
        self.kind = "login"

    async def call(self, kind: str, method: str, path: str, *, expect=(200,), data=None, headers=None):
        if self.stop is not None and self.stop.is_set():
            raise Stopped
        self.kind = kind
        started = time.perf_counter()
        try:
            if method == "POST":
                response = await self.browser.post(path, data)
            else:
                response = await self.browser.get(path, headers=headers)
        except HttpError as error:
            self.recorder.add(kind, (time.perf_counter() - started) * 1000, str(error))
            raise Failed from error
        if response.status not in expect:
            to = f" vers {response.location}" if response.location else ""
            self.recorder.add(kind, response.ms, f"{method} {path} → {response.status}{to}")
            raise Failed
        self.recorder.add(kind, response.ms, None, response.headers.get("x-request-id", ""))
        return response

    async def log_in(self) -> None:
        page = await self.call("login", "GET", "/connexion/")
        form = form_with(page.text, "login")
        data = form.filled(login=self.account.username, password=PASSWORD)
        response = await self.call("login", "POST", "/connexion/", data=data, expect=(302,))
        if self.account.totp_secret is not None:
            step = response.location
            page = await self.call("login", "GET", step)
            code = format_hotp_value(hotp_value(self.account.totp_secret, int(time.time()) // 30))
            data = form_with(page.text, "code").filled(code=code)
            response = await self.call("login", "POST", step, data=data, expect=(302,))
        if response.location != "/":
            self.recorder.add("login", response.ms, f"connexion renvoyée vers {response.location}")
            raise Failed

    async def work(self, stop: asyncio.Event) -> None:
        """Repeat the role's work until `stop` is set."""
        self.stop = stop
        work = {
            Role.CONSEILLER: self.counsellor,
            Role.COORDINATION: self.coordination,
            Role.VILLE: self.city,
        }[self.account.role]
        while not stop.is_set():
            try:
                await work()
            except Stopped:
                return
            except Exception as error:  # recorded, and the user goes on
                if not isinstance(error, Failed):
                    self.unexpected(error)
                await asyncio.sleep(ERROR_PAUSE_SECONDS)

    def unexpected(self, error: Exception) -> None:
        """A page the user could not read (no form, no choice…): an error of the last request."""
        self.recorder.add(self.kind, 0, f"page illisible : {error!r}")

    async def counsellor(self) -> None:
        """Open the day and the session's desk, search a person with a misspelt name,
        open the file, log a visit with a referral, then an outcome."""
        session = self.account.session
        desk = f"/personnes/accueil/{session}/"
        today = await self.call("today", "GET", "/permanences/aujourdhui/")
        if desk not in links(today.text, r"/personnes/accueil/\d+/"):
            self.recorder.add("today", today.ms, "la permanence de la conseillère n'est pas proposée")
            raise Failed
        await self.call("desk", "GET", desk)
        pk, key = self.rng.choice(self.dataset.people)
        query = urlencode({"q": typo(self.rng, key), "permanence": session})
        await self.call("search", "GET", f"/personnes/recherche/?{query}", headers={"HX-Request": "true"})
        await self.call("file", "GET", f"/personnes/{pk}/")
        await self.log_visit(pk, session)
        await self.record_outcome(pk)

    async def log_visit(self, pk: int, session: int) -> None:
        path = f"/personnes/{pk}/rendez-vous/{session}/"
        page = await self.call("visit_form", "GET", path, expect=(200, 302))
        if page.status == 302:  # already seen in this session: the file again
            await self.call("file", "GET", page.location)
            return
        form = form_with(page.text, "token")
        data = form.filled(
            topics=self.rng.choice(form.options["topics"]),
            notes=NOTES,
            duration_minutes="20",
            **{"orientations-0-partner": self.rng.choice(_offered(form.options["orientations-0-partner"]))},
        )
        response = await self.call("visit_post", "POST", path, data=data, expect=(302,))
        await self.call("desk", "GET", response.location)

    async def record_outcome(self, pk: int) -> None:
        path = f"/personnes/{pk}/sorties/nouvelle/"
        page = await self.call("outcome_form", "GET", path)
        form = form_with(page.text, "token")
        data = form.filled(
            kind=self.rng.choice(_offered(form.options["kind"])),
            start_date=time.strftime("%d/%m/%Y"),
            end_unknown="on",
            employer="Entreprise fictive",
        )
        response = await self.call("outcome_post", "POST", path, data=data, expect=(302,))
        await self.call("file", "GET", response.location)

    async def coordination(self) -> None:
        """The dashboard of a year, then of a venue, the data-quality panel, a filtered list."""
        year = self.dataset.year
        venue = self.rng.choice(self.dataset.venues)
        quarter = self.rng.choice(self.dataset.quarters)
        await self.call("dashboard_year", "GET", f"/bilans/?year={year}")
        await self.call("dashboard_venue", "GET", f"/bilans/?{urlencode({'year': year, 'venue': venue})}")
        await self.call("quality", "GET", f"/bilans/qualite/?year={year}")
        query = urlencode({"quarter": quarter, "seen_from": f"01/01/{year}"})
        await self.call("person_list", "GET", f"/personnes/?{query}")

    async def city(self) -> None:
        """The dashboard of a year, and its CSV export."""
        year = self.dataset.year
        await self.call("city_dashboard", "GET", f"/bilans/?year={year}")
        await self.call("city_export", "GET", f"/bilans/export/csv/?year={year}")


def _offered(values: list[str]) -> list[str]:
    """The choices of a select, without its empty one."""
    return [value for value in values if value] or [""]


async def bare_loop(
    browser: Browser, path: str, recorder: Recorder, stop: asyncio.Event, kind: str = "bare"
) -> None:
    """Request the bare view (or the empty page: `kind`) again and again until `stop` is set."""
    while not stop.is_set():
        started = time.perf_counter()
        try:
            response: Response = await browser.get(path)
        except HttpError as error:
            recorder.add(kind, (time.perf_counter() - started) * 1000, str(error))
            continue
        problem = None if response.status == 200 else f"GET {path} → {response.status}"
        recorder.add(kind, response.ms, problem)
