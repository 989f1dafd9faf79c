"""Benchmarks: scripts that measure the product where users feel it (see bench/README.md).

Run each from the repository root with ``python -m bench.<name>``; they print a table
and write a JSON result under ``bench/results/``. They are not tests: nothing here is
collected by pytest, and no timing is asserted anywhere.
"""
