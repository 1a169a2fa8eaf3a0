"""A TCP server on the loopback interface that accepts every connection and never answers: what a search cluster
(or any server) that hangs looks like to a client — the connection succeeds, the request is sent, no byte comes back.

    with search_blackhole() as hole:
        settings.SEARCH_URL = hole.url
        ...
        hole.connections  # how many connections were accepted (each is one attempt of the client)

The connections are held open (and what they send is read and dropped) until the block ends; then they are reset.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
from dataclasses import dataclass, field


@dataclass
class Blackhole:
    host: str
    port: int
    _accepted: list = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._accepted)


@contextlib.contextmanager
def search_blackhole(host: str = "127.0.0.1"):
    """Yields a Blackhole (host, port, url, connections) listening on a free port of `host`."""
    listener = socket.create_server((host, 0), backlog=512)
    listener.setblocking(False)
    hole = Blackhole(host, listener.getsockname()[1])
    stop = threading.Event()
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)

    def serve() -> None:
        while not stop.is_set():
            for key, _ in selector.select(timeout=0.1):
                if key.fileobj is listener:
                    with contextlib.suppress(BlockingIOError, OSError):
                        connection, _ = listener.accept()
                        connection.setblocking(False)
                        with hole._lock:
                            hole._accepted.append(connection)
                        selector.register(connection, selectors.EVENT_READ)
                    continue
                with contextlib.suppress(OSError):  # read and drop: the client never blocks on a full buffer
                    if not key.fileobj.recv(65536):  # the client gave up and closed its end
                        selector.unregister(key.fileobj)

    thread = threading.Thread(target=serve, name=f"search-blackhole-{hole.port}", daemon=True)
    thread.start()
    try:
        yield hole
    finally:
        stop.set()
        thread.join(timeout=5)
        selector.close()
        with hole._lock:
            for connection in hole._accepted:
                with contextlib.suppress(OSError):  # reset, not FIN: no TIME_WAIT left on the port
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    connection.close()
        listener.close()
