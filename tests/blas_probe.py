"""What a pool worker reports about numpy's BLAS (imported by the workers of tests/test_blas_threads.py)."""

from __future__ import annotations


def blas_threads(_: object) -> int:
    """Return the largest number of threads of any BLAS library loaded in this process."""
    from threadpoolctl import threadpool_info

    return max((lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"), default=1)
