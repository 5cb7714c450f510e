"""Concurrent annotators through the REST API (not a pass/fail test): lsbench's W4 on a fresh server.

Starts a fresh ``labelcore serve`` (SQLite in a temporary folder, or a new database on the given
PostgreSQL server), creates ``--users`` annotators with their own API tokens, and runs the shared
harness's ``annotate`` workload (K annotators looping ``GET /api/projects/{id}/next/`` then
``POST /api/tasks/{id}/annotations/`` on a fresh project) twice: all annotators on the admin's
token (Label Studio's baseline setup, where /next hands one user's lock to every caller) and one
token per annotator (real parallel labelling). Prints the per-K medians.

    .venv/bin/python bench/annotators.py
    .venv/bin/python bench/annotators.py --k 1,10,50 --duration 30 --tasks 5000 --repeat 3
    .venv/bin/python bench/annotators.py --postgres postgresql://postgres@127.0.0.1:55432/postgres

The harness defaults to /work/shared/bench/lsbench.py (``--lsbench`` to point elsewhere). The
harness runs on the same machine and takes CPU from the server: compare medians only, and only
with runs placed the same way.
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


def fresh_postgres_database(admin_url: str) -> str:
    import psycopg

    name = f"lc_w4_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def annotator_tokens(server: LiveServer, n: int) -> list[str]:
    """Create ``n`` annotators through the REST API; each logs in once and takes a fresh API token."""
    return [server.new_user(f"annotator{i:03d}")[2] for i in range(n)]


def run_annotate(lsbench: Path, server: LiveServer, args: list[str]) -> list[dict]:
    command = [sys.executable, str(lsbench), "--url", server.url, "--token", server.token, "--label", "labelcore",
               "--pid", str(server.process.pid), "annotate", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", default="1,10,50", help="annotator counts, comma-separated")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--users", type=int, default=50, help="annotators with their own token ('0': skip that run)")
    parser.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server to bench on instead")
    parser.add_argument("--lsbench", type=Path, default=Path("/work/shared/bench/lsbench.py"))
    args = parser.parse_args()

    common = ["--k", args.k, "--duration", str(args.duration), "--tasks", str(args.tasks), "--repeat", str(args.repeat)]
    rows = []
    with tempfile.TemporaryDirectory() as data_dir:
        database_url = fresh_postgres_database(args.postgres) if args.postgres else None
        with LiveServer(Path(data_dir), database_url=database_url) as server:
            runs = [("shared token", common)]
            if args.users:
                tokens_file = Path(data_dir) / "tokens.txt"
                tokens_file.write_text("\n".join(annotator_tokens(server, args.users)) + "\n")
                runs.append((f"{args.users} users", [*common, "--tokens-file", str(tokens_file)]))
            for name, run_args in runs:
                for record in run_annotate(args.lsbench, server, run_args):
                    print(json.dumps(record))
                    if record.get("workload") == "W4-annotate-summary" or (
                            args.repeat == 1 and record.get("workload") == "W4-annotate"):
                        rows.append((name, record))
    backend = "postgresql" if args.postgres else "sqlite"
    print(f"\nW4 on {backend}: medians of {args.repeat} runs of {args.duration} s, {args.tasks} tasks")
    print(f"{'tokens':<14}{'K':>4}{'annot/s':>9}{'uniq/s':>8}{'next p50/p95/p99 ms':>24}"
          f"{'POST p50/p99 ms':>18}{'errors':>8}  duplicates")
    for name, record in rows:
        if record["workload"] == "W4-annotate":  # a single run
            record = {"k": record["k"], "median_annotations_per_s": record["annotations_per_s"],
                      "median_unique_tasks_per_s": record["unique_tasks_per_s"],
                      **{f"median_next_{p}_ms": record["next"].get(f"{p}_ms") for p in ("p50", "p95", "p99")},
                      **{f"median_post_{p}_ms": record["post_annotation"].get(f"{p}_ms") for p in ("p50", "p99")},
                      "total_errors": record["errors"], "duplicates_any_rep": record["duplicates"]}
        latency = "/".join(str(record[f"median_next_{p}_ms"]) for p in ("p50", "p95", "p99"))
        post = "/".join(str(record[f"median_post_{p}_ms"]) for p in ("p50", "p99"))
        print(f"{name:<14}{record['k']:>4}{record['median_annotations_per_s']:>9}"
              f"{record['median_unique_tasks_per_s']:>8}{latency:>24}{post:>18}{record['total_errors']:>8}  "
              f"{record['duplicates_any_rep']}")


if __name__ == "__main__":
    main()
