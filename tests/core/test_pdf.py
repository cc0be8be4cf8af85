"""Every PDF (the bilan, the right-of-access document, the posters) is rendered by
core.pdf.render_pdf, which fetches nothing: a document that names an address
renders without a single request to it."""

import http.server
import threading

import pytest

from core.pdf import render_pdf

DOCUMENT = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Document</title>
<link rel="stylesheet" href="{{ base }}/feuille.css">
<style>body { background: url("{{ base }}/fond.png"); }</style></head>
<body><h1>Document</h1><img src="{{ base }}/logo.png" alt="Logo"><p>Texte.</p></body></html>
"""


@pytest.fixture
def server(monkeypatch):
    """A local web server that notes every path asked of it (no proxy in between)."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    asked = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}", asked
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def document(tmp_path, settings):
    (tmp_path / "document.html").write_text(DOCUMENT, encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    return "document.html"


def test_a_pdf_fetches_nothing_its_html_names(server, document):
    base, asked = server
    pdf = render_pdf(document, {"base": base}, stylesheet="reporting/bilan_pdf.css")
    assert pdf.startswith(b"%PDF-")
    assert asked == []


def test_without_it_the_same_document_would_fetch(server, document):
    """The check above can fail: WeasyPrint's own fetcher asks the server."""
    import weasyprint
    from django.template.loader import render_to_string

    base, asked = server
    weasyprint.HTML(string=render_to_string(document, {"base": base})).write_pdf()
    assert "/logo.png" in asked
