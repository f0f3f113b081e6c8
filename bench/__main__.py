"""`python -m bench [--full] [names...]`: run every benchmark and print one table.

Each module in bench/ with a `run(full: bool) -> list[Figure]` function is a benchmark.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import bench
from bench.common import Figure, table


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--full", action="store_true", help="full sizes (slow); default is a short run")
    args = parser.parse_args()
    names = args.names or sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in {"common", "__main__"}
    )
    figures: list[Figure] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue
        print(f"== {name}", file=sys.stderr, flush=True)
        figures.extend(module.run(full=args.full))
    print(table(figures))
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
