"""The load generator's own floor for W4: a server that does nothing.

It answers every request at once with a fixed JSON body (an asyncio protocol with keep-alive and no
framework, a few microseconds a request): ``/next/`` gives a new task id each time, submitting an
annotation gives 201, creating a project or importing succeeds, and a project reports enough tasks.
Point lsbench's ``annotate`` at it and its latencies are what the harness itself costs on this
machine, the floor every real server's W4 figures sit on:

    .venv/bin/python bench/null_server.py --port 18300 &
    .venv/bin/python /work/shared/bench/lsbench.py --url http://127.0.0.1:18300 --token anything \\
        annotate --k 50 --duration 20 --tasks 5000 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json

_REASONS = {200: b"OK", 201: b"Created"}


def _response(status: int, body: dict) -> bytes:
    payload = json.dumps(body).encode()
    head = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    return head % (status, _REASONS[status], len(payload)) + payload


class NullHTTP(asyncio.Protocol):
    task_ids = itertools.count(1)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return  # the body is still on its way
            self.buffer = self.buffer[end + 4 + length:]
            method, path, _ = lines[0].split(" ", 2)
            self.transport.write(self.answer(method, path.split("?")[0]))

    def answer(self, method: str, path: str) -> bytes:
        if path.endswith("/next/") or path.endswith("/next"):
            return _response(200, {"id": next(self.task_ids), "data": {"image": "/data/img.jpg"},
                                   "annotations": [], "predictions": [], "drafts": []})
        if "/annotations" in path:
            return _response(201, {"id": 1, "result": []})
        if method == "POST":  # a new project or an import
            return _response(201, {"id": 1, "task_count": 0})
        return _response(200, {"id": 1, "task_number": 10 ** 9, "total_annotations_number": 0})


async def serve(host: str, port: int) -> None:
    server = await asyncio.get_running_loop().create_server(NullHTTP, host, port, backlog=2048)
    print(f"null server on http://{host}:{port}", flush=True)
    await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18300)
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
