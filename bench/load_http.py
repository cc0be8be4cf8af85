"""A small HTTP/1.1 client on asyncio streams, for the load benchmark: one
browser's cookies, one connection per request (gunicorn's sync workers close
each one), and the forms of a page read from its HTML."""

import asyncio
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

# A request that takes longer is an error (gunicorn's own timeout is longer).
TIMEOUT_SECONDS = 30


class HttpError(Exception):
    """A connection refused, cut or too slow."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        """The path a redirect leads to."""
        parts = urlsplit(self.headers.get("location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Browser:
    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    async def get(self, path: str, *, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, headers=headers)

    async def post(self, path: str, data: dict[str, str | list[str]]) -> Response:
        return await self.request("POST", path, body=urlencode(data, doseq=True).encode())

    async def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Response:
        origin = f"http://{self.host}:{self.port}"
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Connection: close",
            "User-Agent: bench_load",
            "Accept: text/html",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
                f"Origin: {origin}",
                f"Referer: {origin}{path}",
            ]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        started = time.perf_counter()
        try:
            raw = await asyncio.wait_for(self._exchange(request), TIMEOUT_SECONDS)
        except (OSError, TimeoutError) as error:
            raise HttpError(f"{method} {path}: {error!r}") from error
        response = parse(raw, ms=(time.perf_counter() - started) * 1000)
        self._keep_cookies(response)
        return response

    async def _exchange(self, request: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(request)
            await writer.drain()
            return await reader.read()
        finally:
            writer.close()

    def _keep_cookies(self, response: Response) -> None:
        for header in response.headers.get("set-cookie", "").split("\n"):
            name, _, rest = header.partition("=")
            value, _, attributes = rest.partition(";")
            if not name:
                continue
            if "max-age=0" in attributes.lower().replace(" ", ""):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()


def parse(raw: bytes, *, ms: float) -> Response:
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        raise HttpError("réponse HTTP incomplète")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        # Several Set-Cookie headers are kept one per line.
        headers[name] = f"{headers[name]}\n{value.strip()}" if name in headers else value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = dechunk(body)
    return Response(int(status_line.split()[1]), headers, body, ms)


def dechunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


class _FormParser(HTMLParser):
    """The fields of every form of a page, with the values a browser would send
    untouched (hidden inputs, checked boxes, selected options, textareas)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._first_option: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower(), {}, {}))
        if not self.forms:
            return
        form = self.forms[-1]
        if tag == "input" and "name" in a:
            kind = a.get("type", "text").lower()
            form.options.setdefault(a["name"], []).append(a.get("value", "on"))
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.setdefault(a["name"], []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "image", "file"):
                form.fields[a["name"]] = [a.get("value", "")]
        elif tag == "select" and "name" in a:
            self._select = a["name"]
            form.fields.setdefault(self._select, [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            form.options.setdefault(self._select, []).append(value)
            if "selected" in a:
                form.fields[self._select] = [value]
        elif tag == "textarea" and "name" in a:
            self._textarea = a["name"]
            form.fields[self._textarea] = [""]

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            form = self.forms[-1]
            if not form.fields[self._select]:
                # A browser sends the first option of a select nothing selects.
                form.fields[self._select] = form.options.get(self._select, [""])[:1]
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self.forms[-1].fields[self._textarea] = [self.forms[-1].fields[self._textarea][0] + data]


@dataclass
class Form:
    action: str
    method: str
    # What the browser would send as it stands, and the values offered for each field.
    fields: dict[str, list[str]]
    options: dict[str, list[str]]

    def filled(self, **values: str | list[str]) -> dict[str, list[str]]:
        """The fields as they stand, with `values` typed or chosen (name → value)."""
        data = dict(self.fields)
        for name, value in values.items():
            data[name] = value if isinstance(value, list) else [value]
        return data


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with(html: str, field_name: str) -> Form:
    """The form of the page that has a field `field_name`."""
    for form in forms_of(html):
        if field_name in form.fields or field_name in form.options:
            return form
    raise HttpError(f"aucun formulaire avec le champ {field_name}")


def links(html: str, pattern: str) -> list[str]:
    """The href of the page's links matching the regular expression `pattern`."""
    return [href for href in re.findall(r'href="([^"]+)"', html) if re.fullmatch(pattern, href)]
