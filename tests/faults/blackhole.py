"""A server that accepts and never answers: the fault the timeouts of docs/operations.md «Fault tolerance» are
for (a database, mail server, search engine or Redis whose host takes the connection and then says nothing).

    with blackhole() as (host, port):
        ...  # point a client at host:port: it connects at once and then waits for an answer that never comes

A real TCP socket on loopback, served by a thread: every connection is accepted, whatever the client sends is read
and thrown away (so a large write never blocks on a full buffer: only the wait for an answer is tested), nothing is
ever sent, and the connections stay open until the block ends. `BlackHole` also counts the connections accepted.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class BlackHole:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = 0
        self.accepted = 0
        self._server: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def __enter__(self) -> BlackHole:
        server = socket.create_server((self.host, 0), backlog=128)
        server.setblocking(False)
        self._server, self.port = server, server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name=f"blackhole:{self.port}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._server, selectors.EVENT_READ)
        clients: list[socket.socket] = []
        try:
            while not self._stop.is_set():
                for key, _events in selector.select(timeout=0.1):
                    if key.fileobj is self._server:
                        with contextlib.suppress(BlockingIOError):
                            client, _address = self._server.accept()
                            client.setblocking(False)
                            clients.append(client)
                            selector.register(client, selectors.EVENT_READ)
                            self.accepted += 1
                    else:
                        try:
                            data = key.fileobj.recv(65536)
                        except BlockingIOError:
                            continue
                        except OSError:  # reset by the client
                            data = b""
                        if not data:  # the client gave up: forget it
                            selector.unregister(key.fileobj)
                            key.fileobj.close()
                            clients.remove(key.fileobj)
        finally:
            for client in clients:
                client.close()
            selector.close()
            self._server.close()


@contextlib.contextmanager
def blackhole(host: str = "127.0.0.1"):
    """Yields (host, port) of a server that accepts every connection and never answers."""
    with BlackHole(host) as hole:
        yield hole.address
