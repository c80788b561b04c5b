.PHONY: test lint golden bench demo

test:            ## the whole suite, as CI runs it
	./scripts/test.sh

lint:            ## ruff and mypy, as CI runs them before the tests
	./scripts/lint.sh

golden:          ## regenerate tests/golden/*.sql after an intended SQL change; review the diff
	.venv/bin/python -m tests.golden

bench:           ## benchmarks at 1M page views (add ARGS="--rows 10000000" for the large case)
	.venv/bin/python -m benchmarks $(ARGS)

demo:
	.venv/bin/sessionizer demo
