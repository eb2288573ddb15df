"""A TCP proxy on 127.0.0.1 that a fault test can cut: in front of Redis or PostgreSQL, it
forwards bytes both ways until `cut()`, which resets every open connection and refuses new
ones (a dead server, a pulled cable), or `stall()`, which keeps the connections open and
forwards nothing (a network that drops packets). `restore()` lets traffic through again."""

import contextlib
import select
import socket
import struct
import threading
import time

from citas.notifications.tests.smtp_sink import free_port


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, listen_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.mode = "open"  # "open", "cut", "stall"
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server((listen_host, self.port))
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> "TcpProxy":
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._listener.close()
        self._reset_all()

    def cut(self) -> None:
        self.mode = "cut"
        self._reset_all()

    def stall(self) -> None:
        self.mode = "stall"

    def restore(self) -> None:
        self.mode = "open"

    def _reset_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                # SO_LINGER 0: close sends a RST, as a crashed server or a firewall would.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            if self.mode == "cut":
                self._reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                self._reset(client)
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _reset(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select(list(peers), [], [], 0.2)
                if self.mode == "stall":
                    time.sleep(0.05)
                    continue  # hold the bytes: the other side waits for its timeout
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in peers:
                with self._lock:
                    self._sockets.discard(sock)
                with contextlib.suppress(OSError):
                    sock.close()
