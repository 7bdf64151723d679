"""A real HTTP server on 127.0.0.1 for crawl tests, answering each path
with what a test's function returns, and logging the paths asked."""

from __future__ import annotations

import http.server
import inspect
import threading
from collections.abc import Callable
from types import TracebackType

# path (and, when it takes two arguments, the request's headers) -> (status, headers, body)
Answer = Callable[..., tuple[int, dict[str, str], bytes]]


class LocalSite:
    """`with LocalSite(answer) as site:` serves `site.url`; `site.requested`
    lists the paths asked, in order, and `site.request_headers` their headers."""

    def __init__(self, answer: Answer) -> None:
        self.requested: list[str] = []
        self.request_headers: list[dict[str, str]] = []
        site = self
        with_headers = len(inspect.signature(answer).parameters) == 2

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                headers_in = {k.lower(): v for k, v in self.headers.items()}
                site.requested.append(self.path)
                site.request_headers.append(headers_in)
                status, headers, body = answer(self.path, headers_in) if with_headers else answer(self.path)
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> LocalSite:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
