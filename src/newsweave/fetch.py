"""A polite HTTP client for the feed follower: robots.txt, per-host pacing, hard limits.

Everything a remote site sends is untrusted, so every limit is enforced here, in one place:
http/https only; no private or loopback address unless it is one of the user's sources; at
most ``MAX_REDIRECTS`` redirects, each hop checked again (scheme, address, robots); a body
cap checked while streaming, on the *decompressed* bytes (gzip/deflate are decoded here, with
``zlib``'s ``max_length``, so a compression bomb never inflates past the cap); a connect/read
timeout and a total deadline per request (a server that drips bytes cannot hold a worker).
Each failure is a :class:`FetchError` naming the URL, which the follower prints as one line.

Politeness is per origin (scheme, host and port: robots.txt is per origin too, RFC 9309): at
most one request per ``host_delay`` seconds (or the robots.txt ``Crawl-delay`` or
``Request-rate`` if longer), requests to one origin made one at a time, robots.txt fetched once
an hour and honoured for the User-Agent ``newsweave/VERSION (+contact)``. Different origins
never wait on each other. A site that answers 429 (too many requests), or 503 with Retry-After,
gets no request until the time it asks for (at most a day): the requests meant for it fail at
once as ``Paused``.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from protego import Protego

from newsweave import __version__

#: Largest response body kept (after decompression); larger ones are refused.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
#: Seconds to connect, and between two reads of a response.
DEFAULT_TIMEOUT_S = 20.0
#: Seconds one request may take in all, however the server paces its bytes.
DEFAULT_DEADLINE_S = 60.0
DEFAULT_HOST_DELAY_S = 1.0
#: Seconds between two rounds of `follow` by default.
DEFAULT_INTERVAL_S = 300.0
#: ``Sitemap:`` lines of a robots.txt read (a site names a handful; more are not followed)
MAX_ROBOTS_SITEMAPS = 20
#: robots.txt read up to this much (RFC 9309 asks crawlers to parse at least 500 KiB); past
#: it, its rules up to the last whole line count (a larger one read as no rules before stop 67)
ROBOTS_MAX_BYTES = 512 * 1024
#: Seconds a fetched robots.txt is trusted; a failed fetch (5xx, network) is retried sooner.
ROBOTS_TTL_S = 3600.0
ROBOTS_RETRY_S = 60.0
#: The longest Crawl-delay honoured (a site asking for more is paced at this).
MAX_CRAWL_DELAY_S = 60.0
#: Decoded bytes a ``limit_for`` callback is shown to choose a body's size limit by.
HEAD_BYTES = 8192
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
#: A site that answers 429 (too many requests) or 503 with Retry-After gets no request before
#: the time it names, at most a day away (a hostile "ten years" pauses a day); a 429 without
#: a usable Retry-After pauses a minute.
MAX_PAUSE_S = 24 * 3600.0
DEFAULT_429_PAUSE_S = 60.0

#: Picks a body's size limit, and what the limit is of ("a sitemap"; "" for a plain one),
#: from its first decoded bytes.
LimitFor = Callable[[bytes], tuple[int, str]]


class FetchError(Exception):
    """A failed fetch: ``str()`` is one line naming the URL. ``pause_until``: when the site
    asked for no more requests before a time (429 or 503 with Retry-After), that time."""

    def __init__(self, url: str, message: str, pause_until: datetime | None = None,
                 unreachable: bool = False, lasting: bool = False) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.message = message
        self.pause_until = pause_until
        self.unreachable = unreachable  # no answer at all (refused, unresolved, timed out)
        #: asking again will not help: a private address, a page robots.txt disallows
        self.lasting = lasting


class Paused(FetchError):
    """Not fetched: the site asked for a pause that has not ended (no request was sent)."""


class Stopped(Exception):
    """The follower was asked to stop while waiting for its turn at a host."""


def user_agent(contact: str | None = None) -> str:
    """``newsweave/VERSION``, plus ``(+contact)`` so site owners can reach the operator. A
    header is ASCII: accents are folded away ("José" -> "Jose"; it was an "unexpected
    UnicodeEncodeError"), other letters and control characters dropped."""
    base = f"newsweave/{__version__}"
    folded = unicodedata.normalize("NFKD", contact or "").encode("ascii", "ignore").decode()
    contact = " ".join("".join(c for c in folded if c.isprintable()).split())
    return f"{base} (+{contact})" if contact else base


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL: the unit of pacing and of robots.txt."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    headers: dict[str, str]
    body: bytes = b""

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def charset(self) -> str | None:
        ctype = self.headers.get("content-type", "")
        for part in ctype.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"' ") or None
        return None


class _Decoder:
    """Incremental gzip/deflate decoding that never produces more than it is allowed."""

    def __init__(self, encoding: str | None, url: str) -> None:
        enc = (encoding or "identity").strip().lower()
        self.url = url
        self.deflate = enc == "deflate"
        if enc in ("", "identity"):
            self.obj: Any = None
        elif enc in ("gzip", "x-gzip"):
            self.obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self.obj = zlib.decompressobj()
        else:
            raise FetchError(url, f"unsupported Content-Encoding {enc[:40]!r}")
        self.started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        """Decode ``data``; stops once more than ``limit`` bytes came out (the caller refuses)."""
        if self.obj is None:
            return data
        if self.obj.unconsumed_tail:  # input held back by the last call's limit comes first
            data = self.obj.unconsumed_tail + data
        try:
            if not self.started and self.deflate:
                self.started = True
                try:
                    out = self.obj.decompress(data, limit + 1)
                except zlib.error:
                    # "deflate" is sent both zlib-wrapped (the standard) and raw: try raw
                    self.obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    out = self.obj.decompress(data, limit + 1)
            else:
                out = self.obj.decompress(data, limit + 1)
            while self.obj.unconsumed_tail and len(out) <= limit:
                out += self.obj.decompress(self.obj.unconsumed_tail, limit + 1 - len(out))
        except zlib.error as exc:
            raise FetchError(self.url, f"bad compressed body: {exc}") from None
        return out


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0
    robots: Protego | None = None
    robots_disallow_all: bool = False
    robots_error: str | None = None  # why robots.txt could not be read (then: disallow all)
    robots_unreachable: bool = False  # ...because the site gave no answer at all
    robots_pause: datetime | None = None  # ...because it asked for a pause (429/503)
    robots_until: float = 0.0
    robots_lock: threading.Lock = field(default_factory=threading.Lock)
    paused_until: float = 0.0  # monotonic: no request before (429/503 with Retry-After)
    paused_until_utc: datetime | None = None


def is_private_host(host: str) -> bool:
    """Whether a host name or address points inside: loopback, private, link-local (cloud
    metadata services live there), reserved. Names are resolved; an unresolvable name is not
    private (its fetch fails on its own)."""
    import ipaddress
    import socket

    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(name).is_global
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    return any(not ipaddress.ip_address(info[4][0].split("%")[0]).is_global for info in infos)


class Fetcher:
    """GET with the follower's manners. Thread-safe: one Fetcher serves every worker; calls
    to one origin queue behind each other, calls to different origins run in parallel.

    A URL on a private, loopback or link-local address is fetched only when its origin is one
    of ``trusted_origins`` (the user's own sources): a feed or a redirect cannot point the
    follower at the machine's own network (server-side request forgery)."""

    def __init__(
        self,
        contact: str | None = None,
        host_delay: float = DEFAULT_HOST_DELAY_S,
        timeout: float = DEFAULT_TIMEOUT_S,
        deadline: float = DEFAULT_DEADLINE_S,
        max_bytes: int = DEFAULT_MAX_BYTES,
        stop: threading.Event | None = None,
        trusted_origins: Iterable[str] = (),
    ) -> None:
        import httpx

        self.user_agent = user_agent(contact)
        self.host_delay = max(0.0, host_delay)
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.stop = stop or threading.Event()
        self.requests = 0  # sent, robots.txt included
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._crawl_delays: dict[str, float] = {}  # origin -> robots.txt delay (robots_delay)
        self.trusted = {origin(u) for u in trusted_origins}
        self._private: dict[str, bool] = {}  # host -> is_private_host (cached)
        # Redirects are followed here (each hop re-checked); no proxies or .netrc from the
        # environment; the body is decoded here, so only gzip/deflate are offered.
        self._client = httpx.Client(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------------- public
    def get(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        limit_for: LimitFor | None = None,
    ) -> Response:
        """The response to GET ``url`` (2xx, or 304 when the validators still hold), after at
        most ``MAX_REDIRECTS`` redirects; anything else raises :class:`FetchError`.
        ``limit_for`` picks the body's size limit from its first ``HEAD_BYTES`` decoded bytes
        (a sitemap may be larger than a page); ``max_bytes`` applies until they are read."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(current)
            self._check_address(current)
            self._check_pause(current)  # before robots.txt, which a paused site gave no answer
            if not self.allowed(current):
                host = self._host(current)
                error = host.robots_error
                if error and host.robots_unreachable:  # the site is down, not its robots.txt
                    raise FetchError(current, f"site unreachable ({error}): not fetched",
                                     unreachable=True)
                if error:  # a pause its robots.txt asked for is the site's, kept as a page's
                    raise FetchError(current, f"robots.txt unreadable ({error}): not fetched",
                                     pause_until=host.robots_pause)
                raise FetchError(current, f"disallowed by robots.txt for {self.user_agent}",
                                 lasting=True)
            response = self._paced(current, headers, self.max_bytes, limit_for=limit_for)
            if response.status in REDIRECT_CODES:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(current, f"HTTP {response.status} without a Location")
                current = urljoin(current, location.strip())
                continue
            return response
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def allowed(self, url: str) -> bool:
        """Whether robots.txt of the URL's origin lets our User-Agent fetch it."""
        host = self._host(url)
        with host.robots_lock:
            if time.monotonic() >= host.robots_until:
                self._load_robots(url, host)
            if host.robots_disallow_all:
                return False
            return host.robots is None or host.robots.can_fetch(url, self.user_agent)

    def sitemaps(self, url: str) -> list[str]:
        """The sitemaps the robots.txt of the URL's origin names (``Sitemap:`` lines), http(s)
        only, at most ``MAX_ROBOTS_SITEMAPS``: where a site without feeds lists its pages."""
        host = self._host(url)
        with host.robots_lock:
            if time.monotonic() >= host.robots_until:
                self._load_robots(url, host)
            named = list(host.robots.sitemaps) if host.robots is not None else []
        found = [u.strip() for u in named
                 if urlsplit(u.strip()).scheme in ("http", "https")]
        return list(dict.fromkeys(found))[:MAX_ROBOTS_SITEMAPS]

    def pause(self, url: str, until: datetime) -> None:
        """Ask nothing of the URL's site until ``until`` (UTC): a pause it asked for in an
        earlier run, which a restarted follower keeps."""
        seconds = (until - datetime.now(UTC)).total_seconds()
        if seconds <= 0:
            return
        host = self._host(url)
        host.paused_until = max(host.paused_until, time.monotonic() + seconds)
        host.paused_until_utc = until

    def wait_before(self, url: str) -> float:
        """Seconds until the URL's site may be asked again (its pacing): a caller with other
        sites to serve does that meanwhile instead of sleeping."""
        return max(0.0, self._host(url).next_at - time.monotonic())

    def trust(self, url: str) -> None:
        """Let the origin of ``url`` be fetched even on a private address (a user's source)."""
        self.trusted.add(origin(url))

    # ----------------------------------------------------------------------- internals
    def _check_address(self, url: str) -> None:
        if origin(url) in self.trusted:
            return
        host = urlsplit(url).hostname or ""
        private = self._private.get(host)
        if private is None:
            private = self._private[host] = is_private_host(host)
        if private:
            raise FetchError(url, "refused: a private or loopback address that is not one of "
                                  "the sources given", lasting=True)

    def _host(self, url: str) -> _Host:
        key = origin(url)
        with self._hosts_lock:
            return self._hosts.setdefault(key, _Host())

    def _load_robots(self, url: str, host: _Host) -> None:
        """RFC 9309: a 4xx robots.txt means no rules; 5xx or an unreachable server means
        "disallow all" until it can be read."""
        robots_url = urljoin(origin(url) + "/", "/robots.txt")
        host.robots, host.robots_disallow_all, host.robots_error = None, False, None
        host.robots_unreachable, host.robots_pause = False, None
        ttl = ROBOTS_TTL_S
        try:
            current = robots_url
            response: Response | None = None
            for hop in range(MAX_REDIRECTS + 1):
                check_url(current)
                if hop:  # a redirect to a private address is no robots.txt to read (and
                    try:  # never a request: the rule of every other fetch)
                        self._check_address(current)
                    except FetchError:
                        response = None
                        break
                response = self._paced(current, {}, ROBOTS_MAX_BYTES, robots=True)
                if response.status in REDIRECT_CODES and response.headers.get("location"):
                    current = urljoin(current, response.headers["location"].strip())
                    continue
                break
            else:
                raise FetchError(robots_url, "redirect loop")
            if response is not None and 200 <= response.status < 300:
                # RFC 9309 as search engines read it (Protego): the longest matching rule wins
                # ("Allow: /" before "Disallow: /private/"), "*" and "$" are wildcards, and
                # a byte-order mark is no part of the first line (urllib's parser matched by
                # prefix, took the first rule that matched and read a marked file as no rules)
                text = response.body.decode("utf-8-sig", "replace")
                if len(response.body) >= ROBOTS_MAX_BYTES:  # cut short: its last line may be
                    text = text.rpartition("\n")[0]  # half a rule
                parser = Protego.parse(bounded_delays(text))
                host.robots = parser
                delay = robots_delay(parser, self.user_agent)
                if delay:
                    self._crawl_delays[origin(url)] = delay
                    with host.lock:  # robots.txt itself went out at --host-delay: the next
                        # request waits the delay it asks for, counted from that one
                        host.next_at = max(host.next_at,
                                           host.next_at - self.host_delay + delay)
        except FetchError as exc:
            host.robots_disallow_all, ttl = True, ROBOTS_RETRY_S
            host.robots_error, host.robots_unreachable = exc.message, exc.unreachable
            host.robots_pause = exc.pause_until
        host.robots_until = time.monotonic() + ttl

    def _check_pause(self, url: str, host: _Host | None = None) -> None:
        """Paused (no request) while the URL's site's asked-for pause lasts."""
        host = host or self._host(url)
        if host.paused_until > time.monotonic():
            until = host.paused_until_utc or datetime.now(UTC)
            raise Paused(url, "not fetched: the site asked for a pause until "
                              f"{until:%Y-%m-%d %H:%M:%S} UTC", until)

    def _paced(
        self, url: str, headers: dict[str, str], max_bytes: int, robots: bool = False,
        limit_for: LimitFor | None = None,
    ) -> Response:
        """One request when this origin's turn comes (one at a time per origin)."""
        host = self._host(url)
        delay = max(self.host_delay, self._crawl_delays.get(origin(url), 0.0))
        with host.lock:
            self._check_pause(url, host)
            wait = host.next_at - time.monotonic()
            if wait > 0 and self.stop.wait(wait):
                raise Stopped()
            started = time.monotonic()
            try:
                return self._once(url, headers, max_bytes, robots, limit_for)
            except FetchError as exc:
                if exc.pause_until is not None:  # every later request waits it out
                    seconds = (exc.pause_until - datetime.now(UTC)).total_seconds()
                    host.paused_until = time.monotonic() + seconds
                    host.paused_until_utc = exc.pause_until
                raise
            finally:
                host.next_at = started + delay

    def _once(
        self, url: str, headers: dict[str, str], max_bytes: int, robots: bool,
        limit_for: LimitFor | None = None,
    ) -> Response:
        import httpx

        self.requests += 1
        deadline = time.monotonic() + self.deadline
        try:
            with self._client.stream("GET", url, headers=headers) as r:
                status = r.status_code
                head = {k.lower(): v for k, v in r.headers.items()}
                if status in REDIRECT_CODES or status == 304:
                    return Response(url, status, head)
                if status >= 400 or status < 200:
                    if robots and status < 500 and status != 429:  # 429: as unreachable
                        return Response(url, status, head)
                    pause = pause_asked(status, head.get("retry-after"))
                    if pause is not None:
                        until = datetime.now(UTC) + timedelta(seconds=pause)
                        raise FetchError(url, f"HTTP {status}: the site asks for a pause until "
                                              f"{until:%Y-%m-%d %H:%M:%S} UTC", until)
                    raise FetchError(url, f"HTTP {status}")
                declared = head.get("content-length", "")
                size = int(declared) if declared.isdigit() and not head.get(
                    "content-encoding") else None
                if size is not None and size > max_bytes and limit_for is None and not robots:
                    raise FetchError(url, _too_big(max_bytes, size))
                decoder = _Decoder(head.get("content-encoding"), url)
                body = bytearray()
                limit, what = max_bytes, ""
                chosen = limit_for is None
                # each network read as it comes (not 64 KiB chunks, which httpx fills first):
                # a server dripping a byte at a time meets the deadline and a stop
                for chunk in r.iter_raw():
                    if self.stop.is_set() and not robots:
                        raise FetchError(url, "stopped")
                    if time.monotonic() > deadline:
                        raise FetchError(url, f"took longer than {self.deadline:g} s")
                    body += decoder.feed(chunk, max(limit, HEAD_BYTES) - len(body))
                    if not chosen and len(body) >= min(HEAD_BYTES, limit + 1):
                        chosen = True
                        limit, what = limit_for(bytes(body[:HEAD_BYTES]))
                        if size is not None and size > limit:
                            raise FetchError(url, _too_big(limit, size, what))
                    if len(body) > limit and chosen:
                        if robots:  # its first ROBOTS_MAX_BYTES are read, as RFC 9309 says
                            break
                        raise FetchError(url, _too_big(limit, what=what))
                body += decoder.feed(b"", max(limit, HEAD_BYTES) - len(body))  # held back
                if chosen and len(body) > limit:
                    if not robots:
                        raise FetchError(url, _too_big(limit, what=what))
                    del body[limit:]
                if not chosen:  # a body shorter than the head: its own limit still holds
                    limit, what = limit_for(bytes(body))
                    if len(body) > limit:
                        raise FetchError(url, _too_big(limit, what=what))
                return Response(str(r.url), status, head, bytes(body))
        except httpx.TimeoutException:
            raise FetchError(url, "timed out", unreachable=True) from None
        except httpx.HTTPError as exc:
            message = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise FetchError(url, message, unreachable=isinstance(
                exc, httpx.ConnectError | httpx.NetworkError)) from None


_DELAY_LINE = re.compile(r"(?im)^([^\S\n]*crawl-delay[^\S\n]*:[^\S\n]*)(\d[\d.]*)")


def bounded_delays(robots: str) -> str:
    """robots.txt with each ``Crawl-delay`` of more than ``MAX_CRAWL_DELAY_S`` written as that
    most: a delay of 400 digits asks to go as slowly as we go, where the parser would drop it
    as no number and go at full pace."""
    def bounded(m: re.Match[str]) -> str:
        try:
            value = float(m.group(2))
        except ValueError:
            return m.group(0)
        return m.group(1) + (str(MAX_CRAWL_DELAY_S) if value > MAX_CRAWL_DELAY_S else m.group(2))

    return _DELAY_LINE.sub(bounded, robots)


def robots_delay(parser: Protego, agent: str) -> float:
    """Seconds between requests a robots.txt asks of ``agent``: its ``Crawl-delay``, or the
    interval its ``Request-rate`` gives (1/10 is one request per 10 s), whichever is longer,
    at most ``MAX_CRAWL_DELAY_S`` (400 digits of delay is "slow", not an overflow that lost
    the feed); 0 when it asks for none."""
    delays = [0.0]
    try:
        delay = parser.crawl_delay(agent)
        if delay:
            delays.append(min(float(delay), MAX_CRAWL_DELAY_S))
    except (OverflowError, ValueError):
        delays.append(MAX_CRAWL_DELAY_S)
    rate = parser.request_rate(agent)
    if rate is not None and rate.requests and rate.requests > 0 and rate.seconds > 0:
        try:
            delays.append(min(rate.seconds / rate.requests, MAX_CRAWL_DELAY_S))
        except OverflowError:
            delays.append(MAX_CRAWL_DELAY_S)
    return max(delays)


def pause_asked(status: int, retry_after: str | None) -> float | None:
    """Seconds a 429 or 503 answer asks the client to wait (its Retry-After: seconds or an
    HTTP date), within 0 .. ``MAX_PAUSE_S``; ``DEFAULT_429_PAUSE_S`` for a 429 without a
    usable one; None when no pause is asked."""
    if status not in (429, 503):
        return None
    seconds: float | None = None
    value = (retry_after or "").strip()
    if value.isdigit():
        seconds = float(value[:12])
    elif value:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            when = None
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            seconds = (when - datetime.now(UTC)).total_seconds()
    if seconds is None:
        return DEFAULT_429_PAUSE_S if status == 429 else None
    return min(max(seconds, 0.0), MAX_PAUSE_S)


def _too_big(limit: int, size: int | None = None, what: str = "") -> str:
    got = f" ({size} bytes)" if size is not None else ""
    of = f" of {what}" if what else ""
    return f"response over the {limit}-byte limit{of}{got}: refused"


def check_url(url: str) -> None:
    """An http(s) URL with a host name an HTTP client can send (FetchError otherwise): a
    feed's link such as "http://[x" or "http://a..b/" is one failure line, not a crash."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname
        parts.port  # noqa: B018 - raises on a port that is no number
    except ValueError as exc:
        raise FetchError(url, f"not a valid URL ({exc})") from None
    if scheme not in ("http", "https"):
        raise FetchError(url, f"only http and https URLs are fetched, not {scheme or 'none'!r}")
    if not host:
        raise FetchError(url, "URL has no host")
    try:
        host.encode("idna")
    except UnicodeError:
        raise FetchError(url, f"not a valid host name: {host[:100]!r}") from None
