"""``newsweave serve``: its options checked, the store opened, uvicorn started (and, with
``--follow``, the feed follower in a thread of the server). The web application itself is
``newsweave.serve``, which imports no command-line module."""

from __future__ import annotations

import os
from typing import Any

from newsweave.errors import InputError
from newsweave.serve import DB_ENV, TOKEN_ENV, create_app, short_gil_turns

# uvicorn restarts a worker that misses a 5 s health ping; a first weave (models loading, the
# GIL busy) on a loaded machine can take longer than that without anything being wrong
WORKER_HEALTHCHECK_S = 120


def _start_follower(args: Any, store: Any) -> Any:
    """``serve --follow``: the feed follower in a background thread of the server, writing
    to the same store; returns the function that stops it (after the article in hand)."""
    import signal
    import sys
    import threading

    from newsweave.cli_follow import make_follower, parse_languages, updater, usable_sources

    sources, _ = usable_sources(args.follow, "newsweave: follow: skipped: ")
    stop = threading.Event()
    follower = make_follower(args, store, stop, sources)

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    thread = threading.Thread(
        target=follower.run_forever, name="newsweave-follow", daemon=True,
        kwargs={"after_round": updater(store, parse_languages(args.languages), say),
                "on_round": lambda r: say(f"newsweave: follow: {r.summary()}")},
    )
    thread.start()
    # uvicorn re-raises the SIGTERM it handled once it has shut down: with this handler in
    # place that ends in stopping the follower cleanly (below) instead of killing the process
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def stop_following() -> None:
        signal.signal(signal.SIGTERM, previous)
        stop.set()
        thread.join(timeout=60)
        follower.close()

    return stop_following


def _writable_token(store: Any, token: str | None, follow: bool) -> str | None:
    """A store the server cannot write: --follow is refused (one line naming the store);
    otherwise the server starts read-only (writes answer 403, as without a token) and
    says so once, so reading a read-only store still works."""
    if not follow and token is None:
        return None
    try:
        store.require_writable()
    except InputError as exc:
        if follow:
            store.close()
            raise
        import sys

        print(f"newsweave: warning: {exc}; serving read-only (writes refused)",
              file=sys.stderr)
        return None
    return token


def _follow_options_given(args: Any) -> str | None:
    """The first follower option set to other than its default, for a server that follows
    nothing (it was silently ignored)."""
    import argparse

    from newsweave.cli_follow import add_follow_options

    defaults = argparse.ArgumentParser(add_help=False)
    add_follow_options(defaults, sources_required=False)
    for action in defaults._actions:
        if getattr(args, action.dest, action.default) != action.default:
            return action.option_strings[0]
    return None


def _check_listen(host: str, port: int) -> None:
    """InputError (one line, exit 2) when ``host:port`` cannot be listened on (a port in
    use, an address not this machine's), said before anything starts: uvicorn printed six
    log lines, "Application startup complete" among them, and exited 3."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as exc:
        import errno

        hint = (" (another server listens there: pick another --port)"
                if exc.errno == errno.EADDRINUSE else "")
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}"
                         ) from None


def run(args: Any) -> int:
    """``newsweave serve``: open the store and run uvicorn until interrupted."""
    import uvicorn

    from newsweave.store import open_store

    if args.workers < 1:
        raise InputError("--workers must be at least 1")
    if not 1 <= args.port <= 65535:  # uvicorn bound 99999 and claimed to listen on it
        raise InputError(f"--port must be 1 to 65535, got {args.port}")
    if args.max_connections is not None and args.max_connections < 1:  # 0: every request 503
        raise InputError(f"--max-connections must be at least 1, got {args.max_connections}")
    follow = getattr(args, "follow", None)
    if not follow and (given := _follow_options_given(args)):
        raise InputError(f"{given} applies with --follow SOURCE (the follower inside the "
                         "server)")
    if follow and args.workers != 1:
        raise InputError("--follow runs the follower inside the server: use --workers 1")
    if follow:
        from newsweave.cli_follow import check_options, usable_sources

        # none usable: exit 2 now; else the follower names each skipped one as it starts
        usable_sources(follow, "newsweave: follow: skipped: ", quiet=True)
        check_options(args)
    _check_listen(args.host, args.port)
    token = args.token or os.environ.get(TOKEN_ENV) or None
    # a mistyped --db is an error, not a new store; a followed one may start empty
    store = open_store(args.db, create=bool(follow))
    token = _writable_token(store, token, bool(follow))
    options = {"host": args.host, "port": args.port, "log_level": "info",
               "limit_concurrency": args.max_connections}
    try:
        if args.workers == 1:
            short_gil_turns()
            stop_following = _start_follower(args, store) if follow else None
            try:
                uvicorn.run(create_app(store, token), **options)
            finally:
                if stop_following is not None:
                    stop_following()
            return 0
        os.environ[DB_ENV] = store.url
        if token:
            os.environ[TOKEN_ENV] = token
    finally:
        store.close()
    uvicorn.run("newsweave.serve:app_from_env", factory=True, workers=args.workers,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S, **options)
    return 0
