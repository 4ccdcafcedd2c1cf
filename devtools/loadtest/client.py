"""The load test's HTTP side: one browser-like client per simulated user, and HTML forms.

Plain ``http.client`` from the standard library, one connection per request: gunicorn's sync
workers close the connection after every response anyway (they do not keep connections
alive), so a client library's connection pool would buy nothing, and nothing is added to the
project's dependencies. Every request goes to 127.0.0.1 only (``Client`` takes a port, never a
host).

Each client behaves as a browser behind the TLS-terminating proxy production runs behind: it
sends ``X-Forwarded-Proto: https`` (so Django sees a secure request: HTTPS redirects, secure
cookies and the CSRF origin check are production's own) and ``X-Forwarded-For`` with its own
address (the site reads it with ``CLIENT_IP_HEADER``, as behind a real proxy). Cookies are kept
by hand: the site's cookies are ``Secure``, and a cookie jar would not send them over the plain
HTTP that reaches gunicorn here.
"""

from __future__ import annotations

import http.client
import http.cookies
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Seconds a request may take before the client gives up (a connection error): two minutes, about
#: what a browser waits for a download to start. A request the server gives up on (a worker
#: killed by gunicorn's timeout, a crash) is seen as the server's failure: the connection closes
#: without an answer, or a 5xx.
REQUEST_TIMEOUT = 120
HOST = "127.0.0.1"


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage | None
    body: bytes
    elapsed: float
    error: str = ""  # a connection error, timeout or reset: no status

    def header(self, name: str) -> str:
        return (self.headers.get(name, "") if self.headers is not None else "") or ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Client:
    """A browser of the site at ``127.0.0.1:port`` from the client address ``address``."""

    port: int
    address: str
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"https://{HOST}:{self.port}"

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]]) -> Response:
        body = urllib.parse.urlencode(fields).encode()
        return self.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                # What a browser sends with a form: Django checks the origin of a secure POST.
                "Origin": self.origin,
                "Referer": f"{self.origin}{path}",
            },
        )

    def request(self, method: str, path: str, *, body=None, headers=None) -> Response:
        headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "User-Agent": "lab-records-load-test",
            **(headers or {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.perf_counter()
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            content = answer.read()
        except (OSError, http.client.HTTPException) as error:
            elapsed = time.perf_counter() - started
            return Response(0, None, b"", elapsed, error=f"{type(error).__name__}: {error}")
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        self._remember(answer.headers)
        return Response(answer.status, answer.headers, content, elapsed)

    def _remember(self, headers: http.client.HTTPMessage) -> None:
        for value in headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


# -- HTML forms ---------------------------------------------------------------------------------


@dataclass
class Form:
    """A form as a browser would submit it: its successful controls, in document order."""

    attrs: dict[str, str]
    fields: list[tuple[str, str]] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    def names(self) -> set[str]:
        return {key for key, _value in self.fields}

    def replace(self, name: str, value: str) -> None:
        """Set the (single) field ``name`` to ``value``, where it is in the form."""
        for number, (key, _old) in enumerate(self.fields):
            if key == name:
                self.fields[number] = (key, value)
                return
        raise KeyError(f"the form has no field {name!r}")


class _FormParser(HTMLParser):
    """Collects every form's successful controls: inputs (checkboxes and radios only when
    checked), selects (their selected options, else the first of a single select) and
    textareas; disabled controls, buttons and file inputs are left out, as a browser does when
    no file is chosen and no button is pressed."""

    SKIPPED_TYPES = {"submit", "button", "image", "reset", "file"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        disabled = "disabled" in attributes
        if tag == "form":
            self._form = Form(attributes)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and not disabled and attributes.get("name"):
            kind = attributes.get("type", "text").lower()
            if kind in self.SKIPPED_TYPES:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self._form.fields.append((attributes["name"], attributes.get("value", "on")))
                return
            self._form.fields.append((attributes["name"], attributes.get("value", "")))
        elif tag == "select" and not disabled and attributes.get("name"):
            self._select = {"attrs": attributes, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"attrs": attributes, "text": ""}
            self._select["options"].append(self._option)
        elif tag == "textarea" and not disabled and attributes.get("name"):
            self._textarea = {"name": attributes["name"], "text": ""}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"] += data
        elif self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            self._end_select()
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea> (Django writes it there).
            text = self._textarea["text"]
            text = text[1:] if text.startswith("\n") else text
            self._form.fields.append((self._textarea["name"], text))
            self._textarea = None

    def _end_select(self):
        select, self._select, self._option = self._select, None, None
        name, options = select["attrs"]["name"], select["options"]
        chosen = [option for option in options if "selected" in option["attrs"]]
        if not chosen and options and "multiple" not in select["attrs"]:
            chosen = options[:1]
        for option in chosen:
            value = option["attrs"].get("value")
            self._form.fields.append((name, option["text"].strip() if value is None else value))


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_with(html: str, field_name: str) -> Form | None:
    """The first form of ``html`` that has a control named ``field_name``."""
    return next((form for form in forms_of(html) if field_name in form.names()), None)
