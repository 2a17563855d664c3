"""Benchmarks: Majlis next to a bare baseline measured in the same run.

``python -m bench.updates`` and ``python -m bench.delivery``; see ``bench/README.md``.
"""
