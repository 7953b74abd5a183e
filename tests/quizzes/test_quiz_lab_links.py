"""Every question's ``lab_section`` points at a real place: the lab notebook
exists and has an anchor with that slug (``<a id="slug"></a>`` in a markdown
cell), so the "revisit this section" links in feedback and exam reports work."""
from __future__ import annotations

import json
import os
import re

import pytest

from quizzes import load_bank

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _anchors(notebook_path: str) -> set:
    with open(notebook_path, encoding="utf-8") as f:
        nb = json.load(f)
    found = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            found.update(re.findall(r'<a id="([^"]+)"', "".join(cell["source"])))
    return found


def test_every_lab_section_link_resolves():
    bank = load_bank()
    missing = []
    anchors = {}
    for q in bank.questions:
        lab, _, slug = q.lab_section.partition("#")
        path = os.path.join(ROOT, lab)
        if lab not in anchors:
            anchors[lab] = _anchors(path) if os.path.exists(path) else None
        if anchors[lab] is None:
            missing.append(f"{q.id}: {lab} does not exist")
        elif slug not in anchors[lab]:
            missing.append(f"{q.id}: {lab} has no anchor {slug!r}")
    assert not missing, "\n".join(sorted(set(missing)))


@pytest.mark.parametrize("lab", ["labs/03-data-structures.ipynb"])
def test_anchor_helper_reads_notebooks(lab):
    assert "leaderboard" in _anchors(os.path.join(ROOT, lab))
