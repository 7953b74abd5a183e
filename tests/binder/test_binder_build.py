"""Binder: build what repo2docker builds, then run the first lab in it.

The slow test does, in a temporary directory, what mybinder.org does for a learner:

1. copies the repository (the files git knows of, tracked or not ignored; never .venv),
2. makes a fresh venv and ``pip install -r binder/requirements.txt`` into it (pip's cache
   and the configured index are used as usual),
3. runs ``binder/postBuild`` from the copy's root with the venv's bin first on PATH,
4. executes ``labs/00-start-here.ipynb`` headless with nbclient, inside that venv, with the
   notebook's folder as the working directory and no LAB_* variables (the embedded engine,
   as on Binder).

It checks that the notebook ran without error, that the kernel used the venv's Python and
the copy's ``engine`` (the postBuild editable install), that the packages pinned in
binder/requirements.txt are what got installed, and that memory stays under Binder's
per-learner limit of 2 GB.

How memory is measured (both must stay under the limit):
- ``tree_peak``: a thread in the runner samples, every 50 ms with psutil, the summed RSS of
  every process below the runner (the kernel and anything it starts). This is the closest
  to what Binder's container limit counts. psutil comes with ipykernel; if it is missing
  this figure is reported as None.
- ``rusage_peak``: ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` in the runner after
  the kernel was shut down and reaped: the peak RSS of the largest single descendant
  (the kernel). Exact, but per process, not summed.

The fast tests check the Binder files themselves.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "labs/00-start-here.ipynb"
BINDER_URL = (
    "https://mybinder.org/v2/gh/elasticache-lab/elasticache-lab/HEAD"
    "?urlpath=lab/tree/labs/00-start-here.ipynb"
)
MEMORY_LIMIT = 2 * 1024**3  # Binder's per-learner memory limit, bytes
# Modules that must import in the Binder venv (import name, not distribution name).
MUST_IMPORT = ["engine", "quizzes", "redis", "fakeredis", "plotly", "ipywidgets", "yaml"]


def _pins() -> dict[str, str]:
    """binder/requirements.txt as {normalized name: pinned version}."""
    pins = {}
    for number, raw in enumerate((REPO / "binder/requirements.txt").read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([A-Za-z0-9.+!-]+)", line)
        assert match, f"binder/requirements.txt:{number}: not an exact pin (name==version): {raw!r}"
        pins[_normalize(match.group(1))] = match.group(2)
    return pins


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --------------------------------------------------------------------------- fast checks


def test_postbuild_is_an_executable_script():
    postbuild = REPO / "binder/postBuild"
    assert os.access(postbuild, os.X_OK), "binder/postBuild must be executable (chmod +x)"
    text = postbuild.read_text()
    assert text.startswith("#!"), "binder/postBuild needs a shebang line"
    assert "pip install --no-deps -e ." in text


def test_pins_satisfy_pyproject():
    """Every pyproject dependency (runtime, and the test extra minus what only the .py
    tests use: hypothesis, and playwright for the browser test) is pinned in
    binder/requirements.txt to a version inside pyproject's range."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    requirements = pytest.importorskip("packaging.requirements")
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + [
        dep for dep in project["optional-dependencies"]["test"]
        if not dep.startswith(("hypothesis", "playwright"))
    ]
    pins = _pins()
    for dep in wanted:
        req = requirements.Requirement(dep)
        name = _normalize(req.name)
        assert name in pins, f"{req.name} (pyproject.toml) is not pinned in binder/requirements.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"binder/requirements.txt pins {req.name}=={pins[name]}, outside pyproject's {dep!r}"
        )


def test_readme_links_binder_to_the_first_lab():
    readme = (REPO / "README.md").read_text()
    assert BINDER_URL in readme
    assert BINDER_URL.endswith(NOTEBOOK)


# --------------------------------------------------------------------------- the build

RUNNER = textwrap.dedent(
    """
    import json, os, resource, sys, threading, time
    import nbformat
    from nbclient import NotebookClient

    source, target = sys.argv[1], sys.argv[2]
    nb = nbformat.read(source, as_version=4)
    # A last cell that reports which environment and which engine the kernel used.
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys as _s, json as _j, engine as _e\\n"
        "print('BINDER-PROBE ' + _j.dumps({'prefix': _s.prefix, 'engine': _e.__file__}))"
    ))

    try:
        import psutil
    except ImportError:
        psutil = None
    peak = {"tree": 0}
    done = threading.Event()

    def sample():
        me = psutil.Process()
        while not done.is_set():
            total = 0
            for proc in me.children(recursive=True):
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            peak["tree"] = max(peak["tree"], total)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True) if psutil else None
    if sampler:
        sampler.start()
    error = None
    started = time.monotonic()
    try:
        NotebookClient(
            nb, timeout=600, kernel_name="python3",
            resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}},
        ).execute()
    except Exception as exc:  # reported to the test, which fails with it
        error = f"{type(exc).__name__}: {exc}"
    finally:
        done.set()
        if sampler:
            sampler.join()
    nbformat.write(nb, target)

    probe = None
    for output in nb.cells[-1].get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith("BINDER-PROBE "):
                probe = json.loads(line[len("BINDER-PROBE "):])
    print("BINDER-RESULT " + json.dumps({
        "error": error,
        "seconds": round(time.monotonic() - started, 1),
        "tree_peak": peak["tree"] if psutil else None,
        "rusage_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
        "probe": probe,
    }))
    """
)

VERSIONS = textwrap.dedent(
    """
    import importlib, importlib.metadata as md, json, sys
    for module in sys.argv[2:]:
        importlib.import_module(module)
    print(json.dumps({name: md.version(name) for name in json.loads(sys.argv[1])}))
    """
)


def _copy_repo(dest: Path) -> None:
    """Copy what a clone would hold: files git tracks or would track (not ignored)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO, check=True, capture_output=True,
        ).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = None
    if listed is None:
        ignore = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", ".*cache")
        shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)
        return
    for rel in filter(None, listed):
        src = REPO / rel
        if not src.is_file():  # deleted in the work tree but still in the index
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)


def _run(cmd, timings, label, **kwargs):
    started = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    timings[label] = round(time.monotonic() - started, 1)
    assert result.returncode == 0, (
        f"{label} failed (exit {result.returncode}): {' '.join(map(str, cmd))}\n"
        f"--- stdout (tail)\n{result.stdout[-4000:]}\n--- stderr (tail)\n{result.stderr[-4000:]}"
    )
    return result.stdout


@pytest.mark.slow
def test_binder_build_runs_the_first_lab(tmp_path):
    if not (REPO / NOTEBOOK).is_file():
        pytest.fail(
            f"{NOTEBOOK} does not exist: Binder opens it (README's Binder link), so the "
            f"Binder build cannot be checked until it is written",
            pytrace=False,
        )
    pins = _pins()
    timings: dict[str, float] = {}
    repo, venv = tmp_path / "repo", tmp_path / "venv"

    started = time.monotonic()
    _copy_repo(repo)
    timings["copy repo"] = round(time.monotonic() - started, 1)
    assert (repo / NOTEBOOK).is_file(), f"{NOTEBOOK} exists but git ignores it"

    # The environment of a Binder container: our venv first on PATH, nothing of ours leaking.
    env = {k: v for k, v in os.environ.items()
           if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "LAB_BACKEND", "LAB_REDIS_URL"}}
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        PYTHONNOUSERSITE="1",
        JUPYTER_PATH=str(venv / "share" / "jupyter"),  # the venv's kernelspec wins
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    python = str(venv / "bin" / "python")

    _run([sys.executable, "-m", "venv", str(venv)], timings, "python -m venv")
    _run([python, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"],
         timings, "pip install -r binder/requirements.txt", cwd=repo, env=env, timeout=1800)
    _run(["bash", "binder/postBuild"], timings, "binder/postBuild", cwd=repo, env=env, timeout=600)

    versions = json.loads(_run(
        [python, "-c", VERSIONS, json.dumps(sorted(pins)), *MUST_IMPORT],
        timings, "imports", cwd=tmp_path, env=env, timeout=300,
    ))
    for name, version in pins.items():
        assert versions[name] == version, (
            f"the Binder venv has {name} {versions[name]}, binder/requirements.txt pins {version}"
        )

    runner = tmp_path / "run_notebook.py"
    runner.write_text(RUNNER)
    out = _run([python, str(runner), str(repo / NOTEBOOK), str(tmp_path / "executed.ipynb")],
               timings, "execute notebook", cwd=repo / "labs", env=env, timeout=1200)
    line = next((l for l in out.splitlines() if l.startswith("BINDER-RESULT ")), None)
    assert line, f"the notebook runner printed no result:\n{out[-4000:]}"
    result = json.loads(line[len("BINDER-RESULT "):])

    mib = lambda n: None if n is None else round(n / 1024**2)  # noqa: E731
    print(f"\nBinder build timings (s): {timings}; total {round(sum(timings.values()), 1)}")
    print(f"Notebook cells: {result['seconds']} s; peak RSS MiB: kernel tree (psutil) "
          f"{mib(result['tree_peak'])}, largest process (rusage) {mib(result['rusage_peak'])}")

    assert result["error"] is None, f"{NOTEBOOK} failed on the Binder build: {result['error']}"
    probe = result["probe"]
    assert probe, "the probe cell printed nothing: did the notebook run to the end?"
    assert Path(probe["prefix"]).resolve() == venv.resolve(), (
        f"the kernel ran in {probe['prefix']}, not in the Binder venv"
    )
    assert Path(probe["engine"]).resolve().is_relative_to(repo.resolve()), (
        f"the kernel imported engine from {probe['engine']}, not from the postBuild install"
    )
    for key in ("tree_peak", "rusage_peak"):
        if result[key] is not None:
            assert result[key] < MEMORY_LIMIT, (
                f"{NOTEBOOK} peaked at {mib(result[key])} MiB ({key}); Binder allows 2048 MiB"
            )
