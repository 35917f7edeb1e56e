#!/usr/bin/env bash
# Every test: the workspace's Rust tests, then the Python package's, built into a virtual
# environment under target/ with pinned tools. Takes PYXIS_SCHEMA from the environment, as the
# schema tests do.
set -euo pipefail
cd "$(dirname "$0")"

cargo test --workspace

venv=target/python-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    maturin==1.16.0 pytest==9.2.0 pytest-asyncio==1.5.0
cargo build --quiet -p pyxis-loopback --bin pyxis-loopback
(cd bindings/python && VIRTUAL_ENV="$PWD/../../$venv" PATH="$PWD/../../$venv/bin:$PATH" \
    maturin develop --quiet)
PYXIS_LOOPBACK_BIN="$PWD/target/debug/pyxis-loopback" \
    "$venv/bin/python" -m pytest -q bindings/python/tests
