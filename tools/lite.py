"""Prepare the sources of the JupyterLite site (run by `make book`).

    python tools/lite.py _build/lite-src

writes into that folder

- pypi/: the dlbook wheel, built from a copy of the repository (so setuptools' build/ and
  *.egg-info never land in the work tree); jupyterlite-pyodide-kernel indexes it, and
  `%pip install dlbook` in the browser installs it from there;
- contents/: a copy of every book/*.ipynb with one cell put first, `%pip install dlbook`
  (numpy, scipy, matplotlib, scikit-learn and pygments come from Pyodide), its kernel set
  to the Pyodide kernel, and each {glue:text} role replaced by its stored value (the
  JupyterLab MyST renderer knows no glue roles and would show their names);
- jupyter-lite.json: the site's settings, from lite/.

`jupyter lite build` then turns the folder into _build/html/lite. The book's notebooks
are not changed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import revision  # noqa: E402

ROOT = revision.ROOT
INSTALL_CELL = {
    "cell_type": "code",
    "execution_count": None,
    "id": "lite-install-dlbook",
    "metadata": {},
    "outputs": [],
    "source": ["# Run this first: it installs the book's library in this browser tab.\n",
               "%pip install -q dlbook"],
}
PYODIDE_KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)",
                      "language": "python"}


def build_wheel(dest: Path) -> Path:
    """The pure-Python dlbook wheel, built from a temporary copy of the package."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(ROOT / "dlbook", src / "dlbook",
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(ROOT / "pyproject.toml", src / "pyproject.toml")
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                        "--no-build-isolation", "-w", str(dest), str(src)], check=True)
    (wheel,) = dest.glob("dlbook-*-py3-none-any.whl")
    return wheel


def lite_notebook(path: Path) -> dict:
    """The notebook as the browser gets it: install cell first, glue resolved, Pyodide kernel."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT).as_posix()
    values = revision.glued_values(nb)
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            text = revision.paste_glue(revision.source(cell), values, where)
            cell["source"] = text.splitlines(keepends=True)
    nb["cells"].insert(0, INSTALL_CELL)
    nb["metadata"]["kernelspec"] = PYODIDE_KERNELSPEC
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder to (re)create")
    args = parser.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    (args.out / "pypi").mkdir(parents=True)
    (args.out / "contents").mkdir()
    wheel = build_wheel(args.out / "pypi")
    notebooks = sorted((ROOT / "book").glob("*.ipynb"))
    for path in notebooks:
        (args.out / "contents" / path.name).write_text(
            json.dumps(lite_notebook(path), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8")
    shutil.copy2(ROOT / "lite" / "jupyter-lite.json", args.out / "jupyter-lite.json")
    print(f"{wheel.name} and {len(notebooks)} notebooks in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
