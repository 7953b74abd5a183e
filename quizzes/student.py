"""Student copies of the labs: every notebook without its solution cells.

A cell is a solution when its metadata marks it so, as nbgrader does: the tag
``solution`` (``metadata.tags``) or ``metadata.nbgrader.solution == true``. Outputs are
cleared too. Instructor notebooks (``instructor-*.ipynb``) are not copied.
``make student`` runs ``python -m quizzes student labs build/student``.
"""
from __future__ import annotations

from pathlib import Path
from typing import List

import nbformat


def is_solution(cell) -> bool:
    meta = cell.get("metadata", {})
    return "solution" in meta.get("tags", []) or bool(meta.get("nbgrader", {}).get("solution"))


def student_notebook(nb):
    """A copy of ``nb`` without solution cells, outputs cleared."""
    copy = nbformat.from_dict(nb)
    copy.cells = [cell for cell in copy.cells if not is_solution(cell)]
    for cell in copy.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return copy


def write_student_copies(source, dest) -> List[Path]:
    source, dest = Path(source), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(source.glob("*.ipynb")):
        if path.name.startswith("instructor-"):
            continue
        nb = nbformat.read(path, as_version=4)
        target = dest / path.name
        nbformat.write(student_notebook(nb), target)
        written.append(target)
    return written
