"""The preview of a counsellor's one-off message: the text as it will leave, written
from the one-off text of its channel (edited by coordination, text_views.py), and for
an SMS its size (characters, encoding, segments). Queuing it is services.py's."""

from beneficiaries.models import Beneficiary

from .enums import Kind
from .models import MessageTemplate
from .services import MessageError
from .texts import Preview, TextError, one_line, render

# The preview does not sign a real link: what the e-mail will carry in its place.
LINK_SHOWN = "[le lien pour ne plus recevoir de courriels]"


def one_off_preview(*, beneficiary: Beneficiary, channel: str, subject: str, body: str) -> Preview:
    template = MessageTemplate.objects.filter(kind=Kind.ONE_OFF, channel=channel).first()
    values = {"message": body.strip(), "prenom": one_line(beneficiary.first_name), "lien_retrait": LINK_SHOWN}
    try:
        text = render(template.body, values) if template else values["message"]
        title = one_line(subject) or (render(template.subject, values) if template else "")
    except TextError as error:
        raise MessageError(str(error)) from None
    return Preview.of(channel, title, text)
