"""A small HTTP/2 server over TLS on 127.0.0.1 for tests: h2's state machine on asyncio,
a certificate from a throw-away CA made by trustme. It counts connections, the protocol
each negotiated, and the most streams open at once on one connection."""

from __future__ import annotations

import asyncio
import ssl
import threading
from typing import Any

import h2.config
import h2.connection
import h2.events
import trustme


class H2Server:
    def __init__(self, bodies: dict[str, bytes], delay: float = 0.1) -> None:
        self.bodies = bodies
        self.delay = delay  # each answer waits this long, so streams overlap
        self.ca = trustme.CA()
        self.connections = 0
        self.protocols: list[str | None] = []
        self.peak_streams = 0  # on one connection
        self.requests = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready = threading.Event()

    # ------------------------------------------------------------------ test side
    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts this server's CA only."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> H2Server:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the HTTP/2 test server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # ------------------------------------------------------------------ server side
    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1").configure_cert(context)
        context.set_alpn_protocols(["h2"])
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=context))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.protocols.append(writer.get_extra_info("ssl_object").selected_alpn_protocol())
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.initiate_connection()
        writer.write(conn.data_to_send())
        open_streams: set[int] = set()
        tasks: set[asyncio.Task[Any]] = set()

        async def answer(stream_id: int, path: str) -> None:
            await asyncio.sleep(self.delay)
            body = self.bodies.get(path)
            status = 200 if body is not None else 404
            body = body or b""
            conn.send_headers(stream_id, [(":status", str(status)), ("content-type", "application/rss+xml"),
                                          ("content-length", str(len(body)))])
            conn.send_data(stream_id, body, end_stream=True)  # (bodies stay within the flow-control window)
            open_streams.discard(stream_id)
            writer.write(conn.data_to_send())

        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        self.requests += 1
                        open_streams.add(event.stream_id)
                        self.peak_streams = max(self.peak_streams, len(open_streams))
                        path = dict(event.headers).get(":path", "/")
                        task = asyncio.ensure_future(answer(event.stream_id, str(path)))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        return
                writer.write(conn.data_to_send())
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()
