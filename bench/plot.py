"""The README's plot: step latency against database size, and memory against users.

Reads ``bench/results/growth-<db>.json`` and ``bench/results/memory-aiogram-<db>.json``
(``--quick``: the ``-quick`` results) and writes ``docs/bench-size.png``.

    python -m bench.plot [--quick]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.common import DOCS, RESULTS

DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
COLOURS = {"sqlite": "tab:blue", "postgres": "tab:orange"}


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--quick", action="store_true", help="plot the --quick results")
    options.add_argument("--out", type=Path, default=DOCS / "bench-size.png")
    args = options.parse_args()
    suffix = "-quick" if args.quick else ""

    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, (latency, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    plotted = 0
    for database, label in DATABASES.items():
        growth = _load(f"growth-{database}{suffix}.json")
        if growth is not None:
            rows = [level["rows_per_table"] for level in growth["levels"]]
            for quantile, style in (("p50_ms", "-o"), ("p99_ms", "--s")):
                values = [level["latency"]["all steps"][quantile] for level in growth["levels"]]
                latency.plot(
                    rows,
                    values,
                    style,
                    color=COLOURS[database],
                    label=f"{label} {quantile.split('_')[0]}",
                )
            plotted += 1
        used = _load(f"memory-aiogram-{database}{suffix}.json")
        if used is not None:
            users = [0] + [level["users"] for level in used["levels"]]
            rss = [used["baseline_rss_mb"]] + [level["rss_mb"] for level in used["levels"]]
            memory.plot(users[1:], rss[1:], "-o", color=COLOURS[database], label=label)
            memory.axhline(rss[0], color=COLOURS[database], linewidth=0.8, linestyle=":")
            plotted += 1
    if not plotted:
        raise SystemExit(f"no growth or memory results in {RESULTS}: run the benchmarks first")
    latency.set(
        xscale="log",
        yscale="log",
        xlabel="rows in each of users, orders, disputes",
        ylabel="step latency, ms (all steps, aiogram)",
        title="Latency against database size",
    )
    latency.grid(True, which="both", alpha=0.3)
    latency.legend(fontsize=8)
    memory.set(
        xscale="log",
        xlabel="users with a live conversation",
        ylabel="bot process RSS, MB",
        title="Memory against users (dotted: at start)",
    )
    memory.axhline(150, color="red", linewidth=0.8, label="target at 10k: 150 MB")
    memory.set_ylim(bottom=0)
    memory.grid(True, which="both", alpha=0.3)
    memory.legend(fontsize=8)
    figure.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
