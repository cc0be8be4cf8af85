"""Printable documents rendered with WeasyPrint from a template and a stylesheet.

Every document is a tagged PDF (PDF/UA-1): headings, paragraphs, tables and
their reading order are marked, with the document's language and title, so
that a screen reader can read the council's bilan, a poster or a person's
right-of-access document.
"""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

PDF_VARIANT = "pdf/ua-1"


def render_pdf(template_name: str, context: dict, *, stylesheet: str) -> bytes:
    """`stylesheet` is a static file path, such as "permanences/poster.css"."""
    # Imported here: loading WeasyPrint is slow and logs, and only PDF views need it.
    import weasyprint

    html = render_to_string(template_name, context)
    css = weasyprint.CSS(string=Path(finders.find(stylesheet)).read_text(encoding="utf-8"))
    # The document is self-contained: nothing is fetched while rendering it.
    no_fetch = weasyprint.URLFetcher(allowed_protocols=())
    return weasyprint.HTML(string=html, url_fetcher=no_fetch).write_pdf(
        stylesheets=[css], pdf_variant=PDF_VARIANT
    )
