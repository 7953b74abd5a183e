"""The class dashboard: a folder of exported progress files → per-question difficulty and
per-domain scores (``labs/instructor-dashboard.ipynb`` shows them).

Each learner runs ``python -m quizzes export alice.json --learner alice`` (or
``quizzes.export_progress``); the instructor puts the files in one folder. Exported
answers carry their question's domain and topic, so the dashboard needs no bank.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

from .model import DOMAINS


def load_class(folder) -> List[dict]:
    """Every ``*.json`` export in ``folder`` (a damaged file is an error naming it)."""
    exports = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValueError(f"{path}: not a progress export ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
            raise ValueError(f"{path}: not a progress export (no 'answers' list)")
        data.setdefault("learner", path.stem)
        data["learner"] = data["learner"] or path.stem
        exports.append(data)
    return exports


def _first_attempts(export: dict) -> Dict[str, dict]:
    """A learner's first answer to each question (later tries are practice)."""
    first: Dict[str, dict] = {}
    for answer in sorted(export["answers"], key=lambda a: a.get("at") or ""):
        first.setdefault(answer["id"], answer)
    return first


def question_table(exports: List[dict]) -> List[dict]:
    """One row per question: learners who answered, share right first time, mean score;
    hardest first."""
    rows: Dict[str, dict] = {}
    for export in exports:
        for qid, answer in _first_attempts(export).items():
            row = rows.setdefault(qid, {"id": qid, "topic": answer.get("topic", ""),
                                        "domain": answer.get("domain", ""), "learners": 0,
                                        "right": 0, "score": 0.0})
            row["learners"] += 1
            row["right"] += bool(answer.get("correct"))
            row["score"] += float(answer.get("score", 0))
    for row in rows.values():
        row["share_right"] = round(row["right"] / row["learners"], 3)
        row["mean_score"] = round(row.pop("score") / row["learners"], 3)
    return sorted(rows.values(), key=lambda r: (r["share_right"], -r["learners"], r["id"]))


def domain_scores(exports: List[dict]) -> Dict[str, Dict[str, float]]:
    """{learner: {domain: mean score in % over first attempts}} (domains with answers)."""
    table = {}
    for export in exports:
        sums = defaultdict(lambda: [0.0, 0])
        for answer in _first_attempts(export).values():
            sums[answer.get("domain", "")][0] += float(answer.get("score", 0))
            sums[answer.get("domain", "")][1] += 1
        table[export["learner"]] = {d: round(100 * s / n, 1) for d, (s, n) in sums.items()
                                    if d in DOMAINS}
    return table


def class_domain_scores(exports: List[dict]) -> Dict[str, float]:
    """The class's mean per domain (mean of the learners who answered in it)."""
    per_learner = domain_scores(exports)
    out = {}
    for d in DOMAINS:
        values = [scores[d] for scores in per_learner.values() if d in scores]
        if values:
            out[d] = round(sum(values) / len(values), 1)
    return out


def domain_figure(exports: List[dict]):
    """A heatmap: learners × domains, score in %."""
    import plotly.graph_objects as go
    table = domain_scores(exports)
    learners = list(table)
    fig = go.Figure(go.Heatmap(
        z=[[table[l].get(d) for d in DOMAINS] for l in learners], x=list(DOMAINS), y=learners,
        zmin=0, zmax=100, colorscale="RdYlGn", colorbar=dict(title="%"),
        text=[[f"{table[l][d]:.0f}%" if d in table[l] else "" for d in DOMAINS]
              for l in learners], texttemplate="%{text}"))
    fig.update_layout(title="Score by domain (first attempts)", height=120 + 40 * len(learners))
    return fig


def difficulty_figure(exports: List[dict], top: int = 15):
    """A bar chart of the questions the class found hardest."""
    import plotly.graph_objects as go
    rows = question_table(exports)[:top]
    fig = go.Figure(go.Bar(x=[100 * r["share_right"] for r in rows], y=[r["id"] for r in rows],
                           orientation="h", text=[f"{r['right']}/{r['learners']}" for r in rows],
                           textposition="auto"))
    fig.update_layout(title=f"The {len(rows)} hardest questions (% right first time)",
                      xaxis=dict(range=[0, 100], title="% right"),
                      yaxis=dict(autorange="reversed"), height=140 + 24 * len(rows))
    return fig
