"""The texts of the messages: their placeholders, rendered when a message is queued,
and what an SMS costs (GSM-7 or UCS-2 encoding, number of segments).

A message carries the person's first name, a place and a time, and nothing else
about them: the placeholders below are all there is. Status flags, notes, the
purpose of an appointment never reach a text.
"""

import math
import re
import string
from dataclasses import dataclass

from django.utils.formats import date_format, time_format

from .enums import Channel, Kind

HOUR = "G\\hi"  # 9h30

# What {contact} says when the public information gives no contact: still a way to warn.
NO_CONTACT = "passez à la permanence aux heures d'ouverture"

# Each placeholder, what it becomes, and the fictitious value the previews use (sample_preview).
PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "prenom": ("le prénom de la personne", "Élodie"),
    "lieu": ("le nom du lieu", "Centre social Espéranto"),
    "adresse": ("l'adresse du lieu", "14 rue de l'Espéranto, 93100 Montreuil"),
    "date": ("le jour (ex. mardi 1 décembre)", "mardi 1 décembre"),
    "heure": ("l'heure (ex. 9h30)", "9h30"),
    "a_apporter": ("ce qu'il faut apporter (informations publiques)", "une pièce d'identité, votre CV"),
    "motif": ("le motif de l'annulation", "fermeture exceptionnelle du lieu"),
    "prochaine_seance": ("la séance suivante dans ce lieu", "mardi 8 décembre, 9h30-12h30"),
    "contact": (
        f"les coordonnées de l'association (informations publiques ; sans elles : « {NO_CONTACT} »)",
        "01 23 45 67 89, permanences@exemple.fr",
    ),
    "lien_retrait": ("le lien pour ne plus recevoir de courriels", "https://exemple.fr/messages/retrait/…"),
    "message": ("le texte écrit par le conseiller (message ponctuel)", "Votre dossier est complet."),
}
# The placeholders each kind of message may use (the one-off's free text is its own).
COMMON = {"prenom", "lien_retrait"}
PLACE = {"lieu", "adresse", "date", "heure", "contact"}
ALLOWED: dict[str, set[str]] = {
    Kind.APPOINTMENT_REMINDER: COMMON | PLACE | {"a_apporter"},
    Kind.WORKSHOP_REMINDER: COMMON | PLACE | {"a_apporter"},
    Kind.SESSION_CANCELLED: COMMON | PLACE | {"motif", "prochaine_seance"},
    Kind.WORKSHOP_CANCELLED: COMMON | PLACE | {"motif", "prochaine_seance"},
    Kind.ONE_OFF: COMMON | {"message"},
}


class TextError(ValueError):
    """A text that cannot be rendered; the message is in French."""


def placeholders_in(text: str) -> list[str]:
    """The placeholder names of `text`, in order; TextError on a malformed brace."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text)]
    except ValueError:
        fields = None
    if fields is None or any(name is not None and (spec or conversion) for name, spec, conversion in fields):
        raise TextError("Accolade mal placée : écrivez les champs entre accolades, par exemple {prenom}.")
    return [name for name, _, _ in fields if name is not None]


def allowed_placeholders(kind: str, channel: str) -> set[str]:
    """The placeholders a text of this kind may use on this channel (the withdrawal link: e-mails only)."""
    allowed = ALLOWED.get(kind, COMMON)
    return allowed if channel == Channel.EMAIL else allowed - {"lien_retrait"}


def placeholders_for(kind: str, channel: str) -> list[tuple[str, str, str]]:
    """Name, what it becomes (in French) and sample value of each placeholder a text may use."""
    allowed = allowed_placeholders(kind, channel)
    return [(name, said, sample) for name, (said, sample) in PLACEHOLDERS.items() if name in allowed]


def unknown_placeholders(text: str, kind: str, channel: str) -> list[str]:
    allowed = allowed_placeholders(kind, channel)
    return [name for name in placeholders_in(text) if name not in allowed]


def check_text(text: str, kind: str, channel: str) -> None:
    """TextError (in French) when `text` uses a placeholder unknown for its kind and channel."""
    unknown = unknown_placeholders(text, kind, channel)
    if unknown:
        allowed = sorted(allowed_placeholders(kind, channel))
        raise TextError(
            f"Champ inconnu : {', '.join('{' + name + '}' for name in unknown)}. "
            f"Champs possibles pour ce message : {', '.join('{' + name + '}' for name in allowed)}."
        )


SUBJECT_MAX_LENGTH = 200  # MessageTemplate.subject's, and Message.subject's
BODY_MAX_LENGTH = 2000


def text_body(body: str) -> str:
    """A text as saved: the line ends of a browser (CRLF) made plain, no blank edges."""
    return body.replace("\r\n", "\n").replace("\r", "\n").strip()


def text_errors(*, kind: str, channel: str, subject: str, body: str) -> dict[str, str]:
    """What keeps a message's text from being saved, by field ("subject", "body"), in French;
    empty when it may be. An SMS has no subject."""
    errors = {}
    fields = (("body", body),) if channel == Channel.SMS else (("subject", subject), ("body", body))
    for name, text in fields:
        try:
            check_text(text, kind, channel)
        except TextError as error:
            errors[name] = str(error)
    if channel == Channel.EMAIL:
        if not subject.strip():
            errors.setdefault("subject", "Un courriel a besoin d'un sujet.")
        elif "\n" in subject or "\r" in subject or len(subject) > SUBJECT_MAX_LENGTH:
            errors.setdefault(
                "subject", f"Le sujet tient sur une ligne de {SUBJECT_MAX_LENGTH} caractères au plus."
            )
    if not body.strip():
        errors.setdefault("body", "Écrivez le texte du message.")
    elif len(body) > BODY_MAX_LENGTH:
        errors.setdefault("body", f"Le texte ne peut pas dépasser {BODY_MAX_LENGTH} caractères.")
    return errors


def render(text: str, values: dict[str, str]) -> str:
    """`text` with its placeholders replaced; only the names of PLACEHOLDERS exist."""
    names = placeholders_in(text)
    missing = [name for name in names if name not in values]
    if missing:
        raise TextError(f"Champ sans valeur : {', '.join(missing)}.")
    return text.format_map({name: values[name] for name in names})


def sample_values() -> dict[str, str]:
    return {name: sample for name, (_, sample) in PLACEHOLDERS.items()}


@dataclass(frozen=True)
class Preview:
    """A message as it will leave: for an SMS, no subject and its size."""

    subject: str
    body: str
    size: "SmsSize | None"  # an SMS's

    @classmethod
    def of(cls, channel: str, subject: str, body: str) -> "Preview":
        if channel == Channel.SMS:
            return cls(subject="", body=body, size=sms_size(body))
        return cls(subject=subject, body=body, size=None)


def sample_preview(channel: str, subject: str, body: str) -> Preview:
    """A text written for the fictitious values of PLACEHOLDERS (what coordination sees
    before saving it); TextError when it cannot be written."""
    values = sample_values()
    return Preview.of(
        channel, render(subject, values) if channel == Channel.EMAIL else "", render(body, values)
    )


def day_text(day) -> str:
    return date_format(day, "l j F")


def hour_text(time) -> str:
    return time_format(time, HOUR)


# GSM 03.38: the basic character set (one septet each) and its extension table
# (two septets: the escape and the character). Anything else makes the SMS UCS-2.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")
GSM7, UCS2 = "GSM-7", "UCS-2"


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # GSM-7 or UCS-2
    characters: int  # as the network counts them: septets (GSM-7) or UTF-16 units (UCS-2)
    segments: int

    @property
    def label(self) -> str:
        return f"{self.characters} caractères, {self.encoding}, {self.segments} SMS"


def is_gsm7(text: str) -> bool:
    return all(char in GSM_BASIC or char in GSM_EXTENSION for char in text)


def _gsm_segments(text: str) -> tuple[int, int]:
    """Septets, and segments of 153 septets (an escaped character is never split)."""
    units = [2 if char in GSM_EXTENSION else 1 for char in text]
    total = sum(units)
    if total <= 160:
        return total, 1 if text else 0
    segments, used = 1, 0
    for size in units:
        if used + size > 153:
            segments, used = segments + 1, 0
        used += size
    return total, segments


def sms_size(text: str) -> SmsSize:
    """Encoding, length and number of segments of an SMS (160/153 in GSM-7, 70/67 in UCS-2)."""
    if is_gsm7(text):
        characters, segments = _gsm_segments(text)
        return SmsSize(GSM7, characters, segments)
    characters = len(text.encode("utf-16-le")) // 2
    segments = 1 if characters <= 70 else math.ceil(characters / 67)
    return SmsSize(UCS2, characters, segments)


_SPACES = re.compile(r"[ \t]+")


def one_line(text: str) -> str:
    """A value put in a text: one line, no doubled spaces."""
    return _SPACES.sub(" ", " ".join(text.split())).strip()
