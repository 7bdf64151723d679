"""A real HTTP server on 127.0.0.1 for crawl tests, answering each path
with what a test's function returns, and logging the paths asked."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable
from types import TracebackType

# path -> (status, headers, body)
Answer = Callable[[str], tuple[int, dict[str, str], bytes]]


class LocalSite:
    """`with LocalSite(answer) as site:` serves `site.url`; `site.requested`
    lists the paths asked, in order."""

    def __init__(self, answer: Answer) -> None:
        self.requested: list[str] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                site.requested.append(self.path)
                status, headers, body = answer(self.path)
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
