"""The quiz widgets in a real browser: JupyterLab (headless, free port) + Debian's Chromium.

Opens labs/quiz-practice.ipynb, runs every cell, picks an answer in the first
single-answer card, presses Check and reads the feedback in the rendered page — the
path a learner takes. A widget that fails to render ("Error displaying widget",
"Failed to load model class") anywhere on the page fails the test. Skipped locally
when chromium is missing, a failure in CI (require_binary).
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "quiz-browser-test"
NOTEBOOK = "labs/quiz-practice.ipynb"
WIDGET_ERRORS = ("Error displaying widget", "Failed to load model class")


def _wait_for_server(base: str, proc, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            pytest.fail("JupyterLab did not start:\n"
                        + proc.stdout.read().decode(errors="replace")[-3000:])
        time.sleep(0.5)


def _write_settings(folder: Path) -> None:
    """JupyterLab user settings for the test: no autosave (the notebook on disk must keep
    its outputs cleared), no news prompt."""
    settings = {"@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
                "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                    {"fetchNews": "false"}}
    for name, value in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


@pytest.fixture
def jupyterlab(free_port, tmp_path):
    _write_settings(tmp_path / "settings")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "ELASTICACHE_LAB_PROGRESS": str(tmp_path / "progress.json")}
    args = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={free_port}",
            f"--IdentityProvider.token={TOKEN}", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.root_dir={ROOT}",
            # window.jupyterapp lets the test run JupyterLab commands (Run All Cells)
            # without depending on the menu's markup.
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            # Checkpoints go to the temporary folder, not labs/.ipynb_checkpoints.
            f"--FileCheckpoints.checkpoint_dir={tmp_path / 'checkpoints'}"]
    if os.getuid() == 0:
        args.append("--allow-root")     # as the Makefile does in containers and CI
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{free_port}"
    try:
        _wait_for_server(base, proc, time.time() + 90)
        yield base, tmp_path / "progress.json"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
def test_answer_a_question_in_chromium(jupyterlab, require_binary):
    chromium = require_binary("chromium")
    from playwright.sync_api import sync_playwright
    base, progress = jupyterlab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={TOKEN}")
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            # JupyterLab may ask which kernel to start: accept its choice (python3).
            try:
                page.locator(".jp-Dialog .jp-mod-accept").click(timeout=10_000)
            except Exception:
                pass
            # Wait for the kernel, then Run ▸ Run All Cells (the same command as the menu).
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                   timeout=60_000)
            page.wait_for_function("window.jupyterapp !== undefined", timeout=30_000)
            # Not awaited: the command's promise settles only when every cell has run.
            page.evaluate("() => { window.jupyterapp.commands.execute("
                          "'notebook:run-all-cells'); }")
            # The last cell prints the exercise report once everything above has run.
            page.get_by_text("hash_tags: 4/4 checks passed").first.wait_for(timeout=120_000)

            card = page.locator(".widget-vbox:has(> .widget-radio)").first
            card.scroll_into_view_if_needed()
            card.locator(".widget-radio-box label").first.click()
            card.get_by_role("button", name="Check").click()
            feedback = card.locator(".quiz-feedback")
            feedback.wait_for(timeout=30_000)
            text = feedback.inner_text()
            assert ("Correct" in text or "Not quite" in text) and "Read more:" in text, text

            body = page.locator("body").inner_text()
            for error in WIDGET_ERRORS:
                assert error not in body, f"a widget failed to render: {error}"
        except Exception:
            shot = os.environ.get("QUIZ_BROWSER_SCREENSHOT")
            if shot:
                page.screenshot(path=shot, full_page=True)
            raise
        finally:
            browser.close()
    # The click went through the kernel into the learner's progress file.
    saved = json.loads(progress.read_text())
    assert len(saved["answers"]) == 1 and saved["answers"][0]["mode"] == "practice"
