# huying: `make run` serves the demo system, `make test` runs lint, types and the test suite.
# Everything runs from a virtual environment built here from the pinned lock file.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-from-lock
# Front-end packages (ECharts) come from the npm registry at install time, pinned by the lock.
NODE_STAMP := node_modules/.installed-from-lock
PYTEST_ARGS ?=

.PHONY: run run-zhengzhou test lint typecheck pytest venv lock messages clean

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --requirement requirements.lock
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

venv: $(STAMP) $(NODE_STAMP)

run: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty --requests 300 --days 14
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py serve --trickle 30

# A second demo command centre (郑州, http://127.0.0.1:8001) beside `make run`'s (焦作, :8000),
# each registered as the other's peer, to try the green channel between them.
ZHENGZHOU := HUYING_DATA_DIR=var/zhengzhou HUYING_INSTANCE_ID=zhengzhou HUYING_INSTANCE_NAME=郑州市疫情防控指挥部

run-zhengzhou: venv
	mkdir -p var/zhengzhou
	$(ZHENGZHOU) $(BIN)/python manage.py migrate --noinput
	$(ZHENGZHOU) $(BIN)/python manage.py seed_demo --if-empty --requests 100 --days 7
	$(BIN)/python manage.py migrate --noinput
	$(ZHENGZHOU) $(BIN)/python manage.py federation add-peer --id jiaozuo --name 焦作市疫情防控指挥部 \
		--url http://127.0.0.1:8000 --public-key "$$($(BIN)/python manage.py federation identity --key-only)"
	$(BIN)/python manage.py federation add-peer --id zhengzhou --name 郑州市疫情防控指挥部 \
		--url http://127.0.0.1:8001 --public-key "$$($(ZHENGZHOU) $(BIN)/python manage.py federation identity --key-only)"
	$(ZHENGZHOU) $(BIN)/python manage.py serve --bind 127.0.0.1:8001

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy .

# The suite runs on SQLite, then again on PostgreSQL when HUYING_TEST_DATABASE_URL is set.
# Both passes run on PYTEST_WORKERS processes (pytest-xdist; each has its own test database;
# 0 runs in one process). Tests marked serial share one worker, one after another.
# The PostgreSQL pass leaves out the tests marked db_independent: they ran in the first.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadgroup
pytest: venv
	$(BIN)/pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)
	@if [ -n "$$HUYING_TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL"; \
		HUYING_DATABASE_URL="$$HUYING_TEST_DATABASE_URL" \
			$(BIN)/pytest $(PYTEST_PARALLEL) -m "not db_independent" $(PYTEST_ARGS); \
	fi

test: lint typecheck pytest

# Regenerate the lock from pyproject.toml's ranges (needs the network to PyPI).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	$(PYTHON) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
		print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))' > .lock-venv/wanted.txt
	.lock-venv/bin/pip install --quiet --requirement .lock-venv/wanted.txt
	.lock-venv/bin/pip freeze > requirements.lock
	rm -rf .lock-venv

# Extract and compile translations after changing user-facing text.
messages: venv
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-location \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'test-results/*' --ignore 'node_modules/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*' --ignore 'node_modules/*'

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
