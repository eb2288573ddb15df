"""A real HTTP server on 127.0.0.1 that serves calendar files and misbehaves on request."""

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CalendarServer:
    """Routes: path → callable(handler) that answers. `requests` records (path, headers)."""

    def __init__(self, port: int = 0):
        self.routes = {}
        self.requests = []
        self.stop_event = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 — http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length) if length else b""
                owner.requests.append((self.path, dict(self.headers)))
                route = owner.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

            do_REPORT = do_GET  # noqa: N815 — CalDAV's method, answered by the route
            do_PROPFIND = do_GET  # noqa: N815 — WebDAV's method, answered by the route

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- ready-made behaviours ---------------------------------------------------------------

    def serve(self, path: str, body: bytes, *, etag: str = "") -> None:
        def answer(handler):
            if etag and handler.headers.get("If-None-Match") == etag:
                handler.send_response(304)
                handler.end_headers()
                return
            handler.send_response(200)
            handler.send_header("Content-Type", "text/calendar; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            if etag:
                handler.send_header("ETag", etag)
            handler.end_headers()
            handler.wfile.write(body)

        self.routes[path] = answer

    def hang(self, path: str) -> None:
        """Accepts the request and never answers (until the test ends)."""
        self.routes[path] = lambda handler: self.stop_event.wait(60)

    def drip(self, path: str, *, every: float = 0.2) -> None:
        """Answers one header byte at a time, each well within a per-read timeout."""

        def answer(handler):
            handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
            while not self.stop_event.is_set():
                handler.wfile.write(b"X")
                handler.wfile.flush()
                time.sleep(every)

        self.routes[path] = answer

    def huge(self, path: str, *, megabytes: int) -> None:
        """A calendar of `megabytes` MB, streamed without a Content-Length."""

        def answer(handler):
            handler.send_response(200)
            handler.send_header("Content-Type", "text/calendar")
            handler.end_headers()
            handler.wfile.write(b"BEGIN:VCALENDAR\r\n")
            line = b"X-FILLER:" + b"x" * 1014 + b"\r\n"
            for _ in range(megabytes * 1024):
                if self.stop_event.is_set():
                    return
                handler.wfile.write(line)

        self.routes[path] = answer

    def redirect(self, path: str, location: str) -> None:
        def answer(handler):
            handler.send_response(302)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = answer


class StallingServer:
    """A raw TCP server on 127.0.0.1 that counts connections and, for each, reads the request
    and then drips one header byte every `every` seconds for `for_seconds` (each read succeeds
    well within a per-read timeout; only an overall deadline stops the client early)."""

    def __init__(self, *, every: float = 0.2, for_seconds: float = 8.0):
        self.every = every
        self.for_seconds = for_seconds
        self.connections = 0
        self.stop_event = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def _serve(self):
        while not self.stop_event.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._drip, args=(connection,), daemon=True).start()

    def _drip(self, connection):
        with connection, contextlib.suppress(OSError):
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            give_up = time.monotonic() + self.for_seconds
            while time.monotonic() < give_up and not self.stop_event.is_set():
                connection.sendall(b"X")
                time.sleep(self.every)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()
        self.listener.close()
