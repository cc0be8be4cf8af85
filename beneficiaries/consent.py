"""Consent to messages, per channel, recorded on the file (said by the person at
the desk, withdrawn in one click or by the link of any e-mail)."""

from django.db import transaction
from django.utils import timezone

from .enums import Channel
from .models import Beneficiary
from .services import BeneficiaryError, _identified_file, beneficiary_create, beneficiary_update

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
    (the audit trail keeps when and who); a change is a new version of the file.
    `user` is None for the e-mail's withdrawal link, which needs no login.
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
    # A new version: an edit form opened before (its boxes as they were) meets a conflict
    # instead of giving back a consent withdrawn meanwhile.
    person.version += 1
    person.save(update_fields=[at, by, "updated_by", "updated_at", "version"])
    return person


def consent_rows(person: Beneficiary) -> list[dict]:
    """Per channel, what the file page shows: whether, since when, recorded by whom
    (`person` read with its `…_consent_by` accounts), and whether there is an address."""
    return [
        {
            "channel": channel.value,
            "label": channel.label,
            "since": getattr(person, consent_fields(channel)[0]),
            "by": getattr(person, consent_fields(channel)[1]),
            "has_address": bool(address_of(person, channel)),
        }
        for channel in Channel
    ]


def _consents_apply(person_id: int, consents: dict[str, bool], user) -> Beneficiary:
    """Bring the file's consents to `consents` (channel: given), writing only those
    that change; a consent given or kept needs the channel's address."""
    person = _identified_file(person_id)
    for channel, given in consents.items():
        if given and not address_of(person, channel):
            raise BeneficiaryError(NO_ADDRESS[channel])
        if given != has_consent(person, channel):
            person = consent_record(beneficiary_id=person_id, channel=channel, given=given, user=user)
    return person


@transaction.atomic
def beneficiary_create_consenting(*, data: dict, consents: dict[str, bool], user) -> Beneficiary:
    """Create a file with the consents said at the desk: all of it, or nothing."""
    person = beneficiary_create(data=data, user=user)
    return _consents_apply(person.pk, consents, user)


@transaction.atomic
def beneficiary_update_consenting(
    *, beneficiary_id: int, expected_version: int, data: dict, consents: dict[str, bool], user
) -> Beneficiary:
    """Save the file (`beneficiary_update`, its version checked) and its consents:
    all of it, or nothing (a consent kept while its address is emptied is refused)."""
    beneficiary_update(beneficiary_id=beneficiary_id, expected_version=expected_version, data=data, user=user)
    return _consents_apply(beneficiary_id, consents, user)
