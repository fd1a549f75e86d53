"""Execute the book's notebooks top to bottom and time each one.

    python benchmarks/book_time.py                 # every book/*.ipynb, files untouched
    python benchmarks/book_time.py book/03-*.ipynb # only these
    python benchmarks/book_time.py --limit 20      # flag notebooks slower than 20 s
    python benchmarks/book_time.py --inplace       # store the new outputs (`make execute`)

Each notebook runs in a fresh kernel whose working directory is the notebook's
folder (as in JupyterLab, nbval and the book build), with a per-cell timeout.
Without --inplace the executed copy lives only in memory and is discarded.
With --inplace a notebook is rewritten only if it ran without error.
The time printed is wall-clock time including the kernel's start (about 1 s).

Exit status: 0 if all ran (and none exceeded --limit), 1 if any notebook
raised an error, 3 if all ran but some exceeded --limit.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The same environment as `make test` (nbval) so stored outputs reproduce.
# MPLBACKEND must stay the inline backend: a non-GUI backend such as Agg would
# make plt.show() draw nothing and print a warning on stderr.
DETERMINISTIC_ENV = {
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="notebooks to run (default: every book/*.ipynb, in name order)",
    )
    p.add_argument(
        "--inplace",
        action="store_true",
        help="write the executed notebooks back (default: never write)",
    )
    p.add_argument(
        "--limit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="flag notebooks slower than this; exit 3 if any",
    )
    p.add_argument(
        "--timeout",
        type=int,
        default=60,
        metavar="SECONDS",
        help="per-cell timeout (default: 60)",
    )
    return p.parse_args(argv)


def execute(path: Path, timeout: int) -> tuple[object, float, str | None]:
    """Run one notebook in a fresh kernel; return (notebook, seconds, error or None)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(path, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        allow_errors=False,  # a cell tagged `raises-exception` may still raise
        record_timing=False,  # no timestamps in the stored notebook
        resources={"metadata": {"path": str(path.parent)}},
        # ipykernel 7 warns on every start that loopback TCP is unencrypted.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as exc:
        detail = str(exc).strip()
        print(f"--- {path.name}\n{detail}\n---", file=sys.stderr, flush=True)
        error = detail.splitlines()[-1] if detail else type(exc).__name__
    except Exception as exc:  # kernel died, bad notebook, ...
        error = f"{type(exc).__name__}: {exc}"
    if error is None:
        error = _stored_error(nb)
    return nb, time.perf_counter() - start, error


def merge_streams(nb):
    """Join each cell's consecutive stdout (or stderr) outputs into one output.

    How a cell's printing is split into messages depends on timing (a busy machine
    delivers one loop's prints in several), so without this the stored notebook would
    change from run to run although the text is the same.
    """
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (out.get("output_type") == "stream" and previous is not None
                    and previous.get("output_type") == "stream"
                    and previous.get("name") == out.get("name")):
                previous["text"] = "".join(previous["text"]) + "".join(out["text"])
            else:
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged
    return nb


def _stored_error(nb) -> str | None:
    """An error output that did not stop execution (e.g. raised while a figure was drawn
    after the cell finished), unless its cell is tagged `raises-exception`."""
    for index, cell in enumerate(nb.cells):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {index}: {output.get('ename')}: {output.get('evalue')}"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the notebooks, print one line each and a total."""
    args = parse_args(argv)
    for key, value in DETERMINISTIC_ENV.items():
        os.environ.setdefault(key, value)

    paths = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print("no such notebook: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    if not paths:
        print("no notebooks found in book/", file=sys.stderr)
        return 2

    import nbformat

    failed: list[str] = []
    slow: list[str] = []
    total = 0.0
    width = max(len(p.name) for p in paths)
    for path in paths:
        nb, seconds, error = execute(path.resolve(), args.timeout)
        total += seconds
        line = f"{path.name:<{width}}  {seconds:6.1f} s"
        if error is not None:
            failed.append(path.name)
            line += f"  FAILED: {error}"
        elif args.limit is not None and seconds > args.limit:
            slow.append(path.name)
            line += f"  SLOW (limit {args.limit:g} s)"
        if error is None and args.inplace:
            nbformat.write(merge_streams(nb), path)
            line += "  written"
        print(line, flush=True)

    print(f"{'total':<{width}}  {total:6.1f} s  ({len(paths)} notebooks)")
    if failed:
        print(f"{len(failed)} failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    if slow:
        print(f"{len(slow)} over {args.limit:g} s: {', '.join(slow)}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
