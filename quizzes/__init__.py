"""Quizzes for ElastiCache Lab — a placeholder package: the quiz bank arrives later.

Public surface today: none. ``import quizzes`` works (the package is installed with the
project, next to ``engine``), and ``quizzes.__all__`` is empty.

What this package is for (see DESIGN.md, "The map"): a bank of questions in YAML
(``quizzes/bank/``), the schema those files follow, a grader, an exam mode, the learner's
progress, checkers for code exercises, and the widgets the labs use to ask questions.
Each of these is added here, and documented in this docstring, when it lands; until then
nothing in ``labs/`` should import anything from ``quizzes`` but the package itself.
"""

__all__: list[str] = []
