"""`make lab` opens JupyterLab on the start notebook.

Runs the real Makefile target (with the browser disabled and a known token),
waits for the server, then asks it — over its REST API, as the browser would —
for the start notebook and for the JupyterLab page that shows it.
"""
import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "lab-smoke-test"


def get(url: str):
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.status, resp.read()


@pytest.mark.slow
def test_make_lab_serves_the_start_notebook(free_port, tmp_path):
    args = (f"--no-browser --port={free_port} --IdentityProvider.token={TOKEN} "
            f"--ServerApp.ip=127.0.0.1 --ServerApp.root_dir={ROOT}")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{free_port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                status, body = get(f"{base}/api/status?token={TOKEN}")
                if status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                output = proc.stdout.read().decode(errors="replace")[-3000:]
                pytest.fail(f"make lab did not start JupyterLab:\n{output}")
            time.sleep(0.5)
        status, body = get(f"{base}/api/contents/labs/00-start-here.ipynb?token={TOKEN}")
        model = json.loads(body)
        assert status == 200 and model["type"] == "notebook"
        assert any("open_lab" in "".join(c["source"]) for c in model["content"]["cells"])
        status, page = get(f"{base}/lab/tree/labs/00-start-here.ipynb?token={TOKEN}")
        assert status == 200 and b"JupyterLab" in page
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
