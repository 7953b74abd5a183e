"""``python -m quizzes``: see :mod:`quizzes.cli`."""
import sys

from .cli import main

sys.exit(main())
