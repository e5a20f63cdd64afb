# Entry points. Each target installs what it needs first (.ci/setup checks before installing).
SHELL := /bin/bash
.PHONY: setup run test bench watch fuzz

## Install missing tools (wasm target, cargo-leptos, wasm-bindgen, wasm-opt, Chromium, npm packages)
setup:
	.ci/setup

## Build the release console and serve it on http://127.0.0.1:3000
run: setup
	.ci/serve

## Every check: fmt, clippy (both builds), Rust tests, release build, size budget, browser tests
test: setup
	.ci/test

## Benchmarks behind BENCHMARKS.md: first-page size and idle memory; signing vs the Python SDK;
## pages at 0-200 ms per OCI call with up to 5,000 rules and an out-of-band change; serving (start,
## memory, time to interactive, throughput against a static file); the audit trail at 1,000,000
## rows; impact analysis over 100,000 events; plan + apply of 30, 300 and 3,000 resources, then its chart (bench/apply.svg); the rules
## page and an apply on SQLite and on PostgreSQL side by side
bench: setup
	.ci/bench
	.ci/bench-signing
	.ci/bench-pages
	.ci/bench-serving
	source .ci/env.sh && RUSTFLAGS="$$LEPTOS_RUSTFLAGS" cargo bench -p server --bench audit_trail
	source .ci/env.sh && RUSTFLAGS="$$LEPTOS_RUSTFLAGS" cargo bench -p server --bench hooks_flood
	source .ci/env.sh && RUSTFLAGS="$$LEPTOS_RUSTFLAGS" cargo bench -p server --bench hostile
	source .ci/env.sh && RUSTFLAGS="$$LEPTOS_RUSTFLAGS" cargo bench -p server --bench principals
	source .ci/env.sh && RUSTFLAGS="$$LEPTOS_RUSTFLAGS" cargo bench -p server --bench impact
	source .ci/env.sh && RUSTFLAGS="$$LEPTOS_RUSTFLAGS" SIGNALBOX_LOG=warn cargo bench -p server --bench fanout
	rm -f target/bench/apply.jsonl
	.ci/bench-apply
	python3 .ci/bench_chart.py
	.ci/bench-backends

## Rebuild and reload on every change while developing (http://127.0.0.1:3000)
watch: setup
	source .ci/env.sh && SIGNALBOX_SITE_ROOT="$$SITE_ROOT" cargo leptos watch

## The property tests (parsers never panic on arbitrary input) with many more cases than `make test`
fuzz: setup
	source .ci/env.sh && PROPTEST_CASES=$${PROPTEST_CASES:-20000} RUSTFLAGS="$$LEPTOS_RUSTFLAGS" \
	  cargo test --locked -p app -p server --lib never_panics
