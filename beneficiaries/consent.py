"""Consent to messages, per channel, recorded on the file (said by the person at
the desk, withdrawn in one click or by the link of any e-mail)."""

from django.db import transaction
from django.utils import timezone

from .enums import Channel
from .models import Beneficiary
from .services import BeneficiaryError, _identified_file

NO_ADDRESS = {
    Channel.SMS: "Ce dossier n'a pas de numéro de téléphone : notez-le avant l'accord pour les SMS.",
    Channel.EMAIL: "Ce dossier n'a pas d'adresse de courriel : notez-la avant l'accord pour les courriels.",
}


def consent_fields(channel: str) -> tuple[str, str]:
    """The file's two fields (since when, recorded by) of a channel's consent."""
    return f"{channel}_consent_at", f"{channel}_consent_by"


def has_consent(beneficiary: Beneficiary, channel: str) -> bool:
    return getattr(beneficiary, consent_fields(channel)[0]) is not None


def address_of(beneficiary: Beneficiary, channel: str) -> str:
    return beneficiary.phone if channel == Channel.SMS else beneficiary.email


@transaction.atomic
def consent_record(*, beneficiary_id: int, channel: str, given: bool, user=None) -> Beneficiary:
    """Record that the person accepts (or no longer accepts) messages on `channel`.

    Giving consent twice keeps its first date; withdrawing empties both fields
    (the audit trail keeps when and who). `user` is None for the e-mail's
    withdrawal link, which needs no login.
    """
    if channel not in Channel.values:
        raise BeneficiaryError("Canal inconnu : SMS ou courriel.")
    person = _identified_file(beneficiary_id)
    at, by = consent_fields(channel)
    if given and getattr(person, at) is not None:
        return person
    if given and not address_of(person, channel):
        raise BeneficiaryError(NO_ADDRESS[channel])
    setattr(person, at, timezone.now() if given else None)
    setattr(person, by, user if given else None)
    person.updated_by = user or person.updated_by
    person.save(update_fields=[at, by, "updated_by", "updated_at"])
    return person
