"""Import speed through the REST API (not a pass/fail test): lsbench's W1 and W2 on a fresh server.

Starts a fresh ``labelcore serve`` (SQLite in a temporary folder, or a new database on the given
PostgreSQL server), runs the shared harness against it and prints the medians:

- W1: N plain tasks ``{"image": "/data/img_000123.jpg"}`` in one POST (``lsbench import``);
- W2: N tasks each with one annotation of three boxes (``lsbench import-annotated``).

    .venv/bin/python bench/import_bench.py
    .venv/bin/python bench/import_bench.py --w1 10000,100000 --w2 10000 --repeat 5
    .venv/bin/python bench/import_bench.py --postgres postgresql://postgres@127.0.0.1:55432/postgres

The harness defaults to /work/shared/bench/lsbench.py (``--lsbench`` to point elsewhere). Timings
include the client: on a small machine run nothing else beside it, and compare medians only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from labelcore.testing import LiveServer


def create_database(admin_url: str) -> str:
    import psycopg

    name = f"lc_import_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_workload(lsbench: Path, server: LiveServer, args: list[str]) -> list[dict]:
    command = [sys.executable, str(lsbench), "--url", server.url, "--token", server.token, "--label", "labelcore",
               "--pid", str(server.process.pid), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--w1", default="10000,100000", help="W1 sizes, comma-separated ('' to skip)")
    parser.add_argument("--w2", default="10000", help="W2 sizes, comma-separated ('' to skip)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server to bench on instead")
    parser.add_argument("--lsbench", type=Path, default=Path("/work/shared/bench/lsbench.py"))
    args = parser.parse_args()

    workloads = [("import", int(n)) for n in args.w1.split(",") if n] + \
                [("import-annotated", int(n)) for n in args.w2.split(",") if n]
    summary = []
    database = create_database(args.postgres) if args.postgres else None
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            database_url = args.postgres.rsplit("/", 1)[0] + "/" + database if database else None
            with LiveServer(Path(data_dir), database_url=database_url) as server:
                for command, n in workloads:
                    records = run_workload(args.lsbench, server,
                                           [command, "--n", str(n), "--repeat", str(args.repeat)])
                    runs = [record for record in records if "wall_s" in record]
                    medians = [record for record in records if "median_wall_s" in record]
                    for record in runs:
                        print(json.dumps({key: record.get(key) for key in ("workload", "n", "rep", "post_s",
                                                                            "wall_s", "complete")}))
                    summary.append((command, n, [record["wall_s"] for record in runs],
                                    medians[0]["median_wall_s"] if medians else runs[0]["wall_s"]))
    finally:
        if database:
            drop_database(args.postgres, database)
    backend = "postgresql" if args.postgres else "sqlite"
    print(f"\n{'workload':<18}{'n':>8}  {'median wall s':>14}  runs ({backend})")
    for command, n, walls, median in summary:
        print(f"{command:<18}{n:>8}  {median:>14.3f}  {', '.join(f'{wall:.3f}' for wall in walls)}")


if __name__ == "__main__":
    main()
