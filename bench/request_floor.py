"""The request floor of this machine: 50 concurrent keep-alive clients (httpx, asyncio, as lsbench's
W4 annotators) looping GETs on cheap routes of a running labelcore, so W4's figures can be read
against what the framework and the load generator cost by themselves.

    .venv/bin/python bench/request_floor.py --url http://127.0.0.1:8080 --token TOKEN \
        /api/version /api/current-user/whoami /api/projects

Prints requests/s and the client's own CPU per request for each path.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx


async def measure(url: str, token: str, path: str, clients: int, per_client: int) -> str:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Token {token}"},
                                 limits=httpx.Limits(max_connections=clients + 5)) as http:
        async def loop(count: int) -> None:
            for _ in range(count):
                response = await http.get(path)
                response.raise_for_status()

        await loop(5)  # connections and caches warm
        started, cpu = time.monotonic(), time.process_time()
        await asyncio.gather(*(loop(per_client) for _ in range(clients)))
        total = clients * per_client
        rate = total / (time.monotonic() - started)
        return f"{path}: {rate:.0f} req/s, client CPU {1000 * (time.process_time() - cpu) / total:.2f} ms/req"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=60, help="requests per client")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    for path in args.paths:
        print(asyncio.run(measure(args.url, args.token, path, args.clients, args.requests)), flush=True)


if __name__ == "__main__":
    main()
