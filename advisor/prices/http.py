"""The HTTP client of live price refreshes: GET JSON with timeouts, bounded retries with backoff on
429/5xx and connection errors (``Retry-After`` honoured), a cap on the body size and a deadline per
source. httpx is imported only inside the functions that fetch; secrets never reach a message.
"""

from __future__ import annotations

import datetime
import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

from advisor.common.redact import redact


class LiveError(Exception):
    """A refresh failed; the message is for the user (already free of secrets)."""


@dataclass(frozen=True)
class HttpSettings:
    """Limits of one refresh (per source)."""

    timeout_s: float = 20.0
    """Read/write/pool timeout of one request."""
    connect_timeout_s: float = 5.0
    retries: int = 2
    """Extra attempts after a 429, a 5xx, a timeout or a connection error."""
    backoff_s: float = 1.0
    """First retry delay; doubles per attempt (a Retry-After header is honoured up to max_backoff_s)."""
    max_backoff_s: float = 20.0
    max_bytes: int = 32 * 2**20
    """Largest response body accepted (after decompression)."""
    max_pages: int = 25
    deadline_s: float = 180.0
    """Give up on a source after this long, whatever is left."""


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def iso_utc(t: datetime.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def public_url(url: str) -> str:
    """``url`` without credentials or query (what may be shown or cached)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _unresolved(exc: BaseException) -> bool:
    """Whether a transport error comes from a host name that did not resolve (``socket.gaierror`` under httpx's and
    httpcore's wrappers): trial 32's offline refresh retried each source three times over 9 s for the same answer."""
    import socket

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, socket.gaierror):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


class Http:
    """A GET-JSON helper around one ``httpx.Client`` with the limits of ``HttpSettings``."""

    def __init__(self, client: Any, settings: HttpSettings, secrets: Iterable[str] = (), sleep: Callable[[float], None] = time.sleep):
        self.client = client
        self.settings = settings
        self.secrets = tuple(s for s in secrets if s)
        self.sleep = sleep
        self.started = time.monotonic()
        self.requests = 0
        self.pages = 0
        self.warnings: list[str] = []

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def warn(self, message: str) -> None:
        self.warnings.append(self.redact(message))

    def left(self) -> float:
        """Seconds left of the source's ``deadline_s`` (negative once it is spent)."""
        return self.settings.deadline_s - (time.monotonic() - self.started)

    def get_json(self, url: str, params: dict | None = None, headers: dict | None = None) -> Any:
        """GET ``url`` and parse JSON, retrying 429/5xx/timeouts/connection errors with backoff."""
        import httpx

        s = self.settings
        where = public_url(url)
        last = ""
        delay = 0.0
        for attempt in range(s.retries + 1):
            if attempt:
                if delay > self.left():
                    break
                self.sleep(delay)
            if self.left() <= 0:
                raise LiveError(f"gave up on {where}: over the {s.deadline_s:g} s limit ({last or 'no answer'})")
            self.requests += 1
            try:
                with self.client.stream("GET", url, params=params, headers=headers) as r:
                    if r.status_code == 429 or 500 <= r.status_code < 600:
                        last = f"HTTP {r.status_code}"
                        delay = self._retry_delay(attempt, r.headers.get("retry-after"))
                        continue
                    if r.status_code != 200:
                        raise LiveError(f"HTTP {r.status_code} from {where}")
                    body = self._read(r, where)
            except httpx.TimeoutException:
                last = f"timed out (limit {s.timeout_s:g} s)"
                delay = self._retry_delay(attempt, None)
                continue
            except httpx.TransportError as exc:
                last = self.redact(f"connection failed: {type(exc).__name__}: {exc}")
                if _unresolved(exc):  # no address for the host (offline, no DNS): a retry seconds later gets the same
                    raise LiveError(f"{last} from {where}: the host name (or a proxy's) does not resolve (no network?)") from None
                delay = self._retry_delay(attempt, None)
                continue
            try:
                return json.loads(body)
            except (ValueError, RecursionError) as exc:
                raise LiveError(self.redact(f"malformed JSON from {where}: {exc}"[:300])) from None
        raise LiveError(f"{last} from {where} after {self.requests} attempt(s)")

    def _retry_delay(self, attempt: int, retry_after: str | None) -> float:
        s = self.settings
        delay = s.backoff_s * (2 ** attempt)
        if retry_after:
            try:
                delay = max(delay, float(retry_after))
            except ValueError:
                pass
        return min(delay, s.max_backoff_s)

    def _read(self, r: Any, where: str) -> bytes:
        cap = self.settings.max_bytes
        declared = r.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise LiveError(f"response from {where} is too large: {int(declared):,} bytes (limit {cap:,})")
        chunks, total = [], 0
        for chunk in r.iter_bytes():
            total += len(chunk)
            if total > cap:
                raise LiveError(f"response from {where} is too large: over {cap:,} bytes")
            if self.left() <= 0:
                raise LiveError(f"gave up reading {where}: over the {self.settings.deadline_s:g} s limit")
            chunks.append(chunk)
        return b"".join(chunks)


def make_client(settings: HttpSettings, transport: Any = None) -> Any:
    import httpx

    from advisor import __version__

    return httpx.Client(
        timeout=httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
        follow_redirects=False,
        transport=transport,
        headers={"User-Agent": f"moe-advisor/{__version__}", "Accept": "application/json"},
    )
