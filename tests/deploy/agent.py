"""A user's browser, reduced to what the deploy tests need: cookies, the CSRF
token of the page a form comes from, the two-factor step, and a choice of
where each request goes — through nginx (HTTPS), or straight to one app server
(plain HTTP, with the headers nginx would add), to force it to that server."""

import html
import http.client
import re
import ssl
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from ..factories import PASSWORD, TOTP_SECRET, totp_code

TIMEOUT = 30


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def hidden(self, name: str) -> str:
        """The value of the form field `name` on this page (a token, the CSRF token)."""
        found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', self.text) or re.search(
            rf'value="([^"]*)" name="{re.escape(name)}"', self.text
        )
        assert found, f"no field {name} on the page"
        return html.unescape(found[1])


class Agent:
    """One user's browser. `origin` is the site as the user sees it (nginx, HTTPS)."""

    def __init__(self, nginx_port: int):
        self.origin = f"https://127.0.0.1:{nginx_port}"
        self.host = f"127.0.0.1:{nginx_port}"
        self.nginx_port = nginx_port
        self.cookies: dict[str, str] = {}
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate

    def connection(self, server: str | None) -> http.client.HTTPConnection:
        if server is None:
            return http.client.HTTPSConnection(
                "127.0.0.1", self.nginx_port, timeout=TIMEOUT, context=self.context
            )
        host, port = server.rsplit(":", 1)
        return http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)

    def request(
        self, method: str, path: str, data: dict | None = None, *, via: str | None = None, headers=None
    ) -> Response:
        """`via`: an app server's address to go to it directly; None: through nginx."""
        headers = {"Host": self.host, "User-Agent": "deploy-test", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if via is not None:  # what nginx adds (deploy/nginx/permanences.conf)
            headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            }
        connection = self.connection(via)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(answer.status, answer.headers, text)

    def get(self, path: str, *, via: str | None = None) -> Response:
        return self.request("GET", path, via=via)

    def post(self, path: str, data: dict, *, via: str | None = None, headers=None) -> Response:
        return self.request("POST", path, data, via=via, headers=headers)

    def submit(self, path: str, data: dict, *, via: str | None = None, headers=None) -> Response:
        """GET the form's page, then POST `data` with its CSRF token."""
        page = self.get(path, via=via)
        assert page.status == 200, (path, page.status)
        token = page.hidden("csrfmiddlewaretoken")
        return self.post(path, {"csrfmiddlewaretoken": token, **data}, via=via, headers=headers)

    def log_in(
        self, username: str, *, via: str | None = None, code_via: str | None = None, offset: int = 0
    ) -> Response:
        """The login form, then the two-factor code (on `code_via`, else the same server)."""
        answer = self.submit("/connexion/", {"login": username, "password": PASSWORD}, via=via)
        assert answer.status == 302 and "/2fa/authenticate/" in answer.location, (
            answer.status,
            answer.location,
        )
        code_via = code_via if code_via is not None else via
        return self.submit(answer.location, {"code": totp_code(TOTP_SECRET, offset)}, via=code_via)
