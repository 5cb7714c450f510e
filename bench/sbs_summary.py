"""Median tables (labelcore vs Label Studio, with ratios) from a bench/side_by_side.sh JSON-lines file.

    .venv/bin/python bench/sbs_summary.py bench/results/<date>-side-by-side.jsonl [more.jsonl ...]

Ratio columns are "how many times better labelcore is": LS/labelcore for times, latencies and RSS,
labelcore/LS for throughputs (and bytes, which is just a size ratio). Every median is over the runs in the file (printed as n).
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict

LS, LC = "label-studio-1.23.2", "labelcore"


def med(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def ratio(ls, lc, higher_is_better=False):
    if not ls or not lc:
        return "-"
    return f"{(lc / ls if higher_is_better else ls / lc):.1f}x"


def row(name, ls_vals, lc_vals, higher_is_better=False, unit=""):
    a, b = med(ls_vals), med(lc_vals)
    print(f"| {name} | {a}{unit} (n={len(ls_vals)}) | {b}{unit} (n={len(lc_vals)}) | {ratio(a, b, higher_is_better)} |")


def main(*paths: str) -> None:
    records = [json.loads(line) for path in paths for line in open(path) if line.strip()]
    by = defaultdict(list)
    for r in records:
        by[(r.get("target"), r["workload"])].append(r)

    def get(target, workload, pred=lambda r: True, field=None):
        return [field(r) for r in by[(target, workload)] if pred(r)]

    head = "| figure | Label Studio 1.23.2 | labelcore | labelcore advantage |\n|---|---|---|---|"
    print("## W6 footprint\n" + head)
    for suffix, what in (("@cold", "cold start (empty dir)"), ("", "warm start"),
                         ("@restart-before-w3", "restart with the loaded DB")):
        row(f"{what}: startup s", get(LS + suffix, "W6-footprint", field=lambda r: r.get("startup_s")),
            get(LC + suffix, "W6-footprint", field=lambda r: r.get("startup_s")))
        row(f"{what}: idle RSS MiB", get(LS + suffix, "W6-footprint", field=lambda r: r.get("idle_rss_mib")),
            get(LC + suffix, "W6-footprint", field=lambda r: r.get("idle_rss_mib")))

    for workload, n, title in (("W1-import", 10000, "W1 import 10k"), ("W1-import", 100000, "W1 import 100k"),
                               ("W2-import-annotated", 10000, "W2 annotated import 10k")):
        pred = lambda r, n=n: r.get("n") == n  # noqa: E731
        print(f"\n## {title}\n" + head)
        row("wall s", get(LS, workload, pred, lambda r: r.get("wall_s") if r.get("complete") else None),
            get(LC, workload, pred, lambda r: r.get("wall_s") if r.get("complete") else None))
        row("tasks/s", get(LS, workload, pred, lambda r: r.get("tasks_per_s")),
            get(LC, workload, pred, lambda r: r.get("tasks_per_s")), True)
        row("POST s", get(LS, workload, pred, lambda r: r.get("post_s")),
            get(LC, workload, pred, lambda r: r.get("post_s")))
        rss = lambda r: (r.get("server_rss") or {}).get("rss_peak_sampled_mib")  # noqa: E731
        row("server RSS peak MiB (sampled)", get(LS, workload, pred, rss), get(LC, workload, pred, rss))

    print("\n## W3 export of the W2 project\n" + head)
    formats = sorted({r["format"] for r in records if r["workload"] == "W3-export"})
    for fmt in formats:
        pred = lambda r, fmt=fmt: r.get("format") == fmt and r.get("status") == 200  # noqa: E731
        row(f"{fmt}: seconds", get(LS, "W3-export", pred, lambda r: r.get("seconds")),
            get(LC, "W3-export", pred, lambda r: r.get("seconds")))
        row(f"{fmt}: ttfb s", get(LS, "W3-export", pred, lambda r: r.get("ttfb_s")),
            get(LC, "W3-export", pred, lambda r: r.get("ttfb_s")))
        for key in ("rss_start_mib", "rss_peak_sampled_mib", "vmhwm_after_mib"):
            f = lambda r, key=key: (r.get("server_rss") or {}).get(key)  # noqa: E731
            row(f"{fmt}: server {key}", get(LS, "W3-export", pred, f), get(LC, "W3-export", pred, f))
        row(f"{fmt}: bytes", get(LS, "W3-export", pred, lambda r: r.get("bytes")),
            get(LC, "W3-export", pred, lambda r: r.get("bytes")), True)
        for r in by[(LC, "W3-export")][:1]:
            pass
    failures = [(r["target"], r["format"], r.get("status"), r.get("error")) for r in records
                if r["workload"] == "W3-export" and r.get("status") != 200]
    if failures:
        print("failures:", failures)

    print("\n## W4 annotate, distinct users\n" + head)
    ks = sorted({r["k"] for r in records if r["workload"] == "W4-annotate"})
    for k in ks:
        pred = lambda r, k=k: r.get("k") == k  # noqa: E731
        for name, f, hib in (
                ("annotations/s", lambda r: r["annotations_per_s"], True),
                ("unique tasks/s", lambda r: r["unique_tasks_per_s"], True),
                ("next p50 ms", lambda r: r["next"].get("p50_ms"), False),
                ("next p95 ms", lambda r: r["next"].get("p95_ms"), False),
                ("next p99 ms", lambda r: r["next"].get("p99_ms"), False),
                ("POST p50 ms", lambda r: r["post_annotation"].get("p50_ms"), False),
                ("POST p99 ms", lambda r: r["post_annotation"].get("p99_ms"), False),
                ("errors", lambda r: r["errors"], False),
                ("tasks_served_to_2plus_annotators", lambda r: r["tasks_served_to_2plus_annotators"], False),
                ("tasks_with_2plus_annotations", lambda r: r["tasks_with_2plus_annotations"], False),
                ("server RSS peak MiB", lambda r: (r.get("server_rss") or {}).get("rss_peak_sampled_mib"), False)):
            row(f"K={k} {name}", get(LS, "W4-annotate", pred, f), get(LC, "W4-annotate", pred, f), hib)
        for t in (LS, LC):
            per = [(r["tasks_served_to_2plus_annotators"], r["max_annotators_on_one_task"], r["errors"],
                    r.get("next_errors"), r.get("post_errors"), r.get("no_task_404")) for r in by[(t, "W4-annotate")]
                   if r.get("k") == k]
            print(f"  {t} K={k} per rep (dup tasks, max annotators on one, errors, next_errors, post_errors, 404): {per}")

    print("\n## W5 browse the 100k project\n" + head)
    pages = sorted({r["page"] for r in records if r["workload"] == "W5-browse-tasks"})
    for page in pages:
        pred = lambda r, page=page: r.get("page") == page  # noqa: E731
        row(f"GET /api/tasks/ page={page} p50 ms", get(LS, "W5-browse-tasks", pred, lambda r: r["p50_ms"]),
            get(LC, "W5-browse-tasks", pred, lambda r: r["p50_ms"]))
        row(f"  page={page} max ms", get(LS, "W5-browse-tasks", pred, lambda r: r["max_ms"]),
            get(LC, "W5-browse-tasks", pred, lambda r: r["max_ms"]))
    row("GET /api/projects/{id}/ p50 ms", get(LS, "W5-project-detail", field=lambda r: r["p50_ms"]),
        get(LC, "W5-project-detail", field=lambda r: r["p50_ms"]))
    row("  project detail max ms", get(LS, "W5-project-detail", field=lambda r: r["max_ms"]),
        get(LC, "W5-project-detail", field=lambda r: r["max_ms"]))

    print("\n## server RSS at the end\n")
    for r in records:
        if r["workload"] == "server-final":
            print(f"- {r['target']}: VmRSS {r['vmrss_kb'] / 1024:.0f} MiB, VmHWM {r['vmhwm_kb'] / 1024:.0f} MiB")
    print("\n## load average per phase (1/5/15 min, before -> after)\n")
    phases = defaultdict(list)
    for r in records:
        if r["workload"] == "loadavg":
            phases[r["phase"]].append((r["target"], r["before"].split()[0], r["after"].split()[0]))
    for phase, values in phases.items():
        print(f"- {phase}: " + ", ".join(f"{t.replace(LS, 'LS').replace(LC, 'lc')} {b}->{a}" for t, b, a in values))


if __name__ == "__main__":
    main(*sys.argv[1:])
