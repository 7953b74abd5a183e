# ElastiCache Lab — every target makes .venv first if it is missing or stale.
#
#   make lab     open JupyterLab on labs/00-start-here.ipynb (embedded engine, nothing to start)
#   make test    every test: tests/ (.py) and every notebook in labs/ (nbval)
#   make serve   serve the engine over TCP for redis-cli & co. (6379, or a free port if busy)
#   make bench   engine vs fakeredis vs a real redis-server
#   make student student copies of the labs (solution cells removed) in build/student/
#   make clean   remove .venv, caches and build stamps
#
# Needs only python3 (with venv) and make; packages come from PyPI.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 6379
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k strings -x"`.
PYTEST_ARGS ?=
# Extra JupyterLab arguments, e.g. `make lab LAB_ARGS="--no-browser --port 8899"`.
LAB_ARGS ?=
# JupyterLab refuses to start as root (common in containers and CI) unless told to.
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)
# Extra benchmark arguments, e.g. `make bench BENCH_ARGS="--json bench.json"`.
BENCH_ARGS ?=

.PHONY: lab test serve bench student clean venv

# The venv is (re)installed only when pyproject.toml changes or the stamp is missing.
# The install is editable, so edits to engine/ and quizzes/ need no reinstall.
$(STAMP): pyproject.toml
	@echo "Installing ElastiCache Lab into $(VENV)/ (the first time takes a few minutes)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(ROOT_ARGS) $(LAB_ARGS) labs/00-start-here.ipynb

# One pytest run: .py tests under tests/ and the notebooks under labs/.
# pytest's exit code (including 5, "no tests collected") is make's exit code.
test: $(STAMP)
	$(PY) -m pytest tests --nbval-lax labs -q $(PYTEST_ARGS)

# Serve on $(PORT) if it is free, else let the engine pick a free port (--port 0).
# The engine prints "Ready to accept connections on 127.0.0.1:PORT".
serve: $(STAMP)
	@port=$$($(PY) -c 'import socket, sys; p = int(sys.argv[1]); \
	  print(0 if socket.socket().connect_ex(("127.0.0.1", p)) == 0 else p)' $(PORT)); \
	if [ "$$port" = 0 ]; then echo "Port $(PORT) is busy: the engine will pick a free port (see the line below)."; \
	else echo "Serving on port $$port: connect with  redis-cli -p $$port"; fi; \
	exec $(PY) -m engine serve --port $$port

bench: $(STAMP)
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

# Student copies: every lab without the cells tagged `solution` (as nbgrader marks them).
student: $(STAMP)
	$(PY) -m quizzes student labs build/student

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build dist *.egg-info
	find . -path ./.git -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -prune -exec rm -rf {} +
