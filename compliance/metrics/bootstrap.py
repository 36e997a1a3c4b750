"""Vectorized cluster bootstrap: multinomial resampling weights and percentile intervals.

Resampling n units (clusters of items, else items; users for per-user metrics) with
replacement, B times, is the same as drawing a B × n matrix W of counts, each row
multinomial(n, 1/n each) — here by drawing n unit indices per row and counting them with
one ``bincount`` (128 rows at a time). A statistic that is a function of per-unit sums then
resamples as a matrix product: with S the (n × k) matrix of per-unit sufficient statistics
(e.g. per-group sums of correct answers and of records), ``W @ S`` is the (B × k) matrix of
resampled sums.
No Python loop runs per resample; rows are drawn in fixed blocks of 128 so that the numbers
do not depend on how W is chunked, and W is multiplied in as few (large) products as memory
allows: BLAS threads handle one large product far better than many small ones.

The seed is ``sha256(data fingerprint, namespace, n units, B)``: the same data gives the same
intervals, whatever the row order (the fingerprint is order-free). All metrics of one
section share the resamples of its units (a joint bootstrap, which keeps related intervals
coherent and costs one draw).

The interval is the percentile interval: the 2.5th and 97.5th percentiles (linear
interpolation) of the replicate statistics that are defined.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_N_BOOT",
    "UnitWeights",
    "derive_seed",
    "percentile_interval",
]

FloatArray = npt.NDArray[np.float64]

DEFAULT_N_BOOT = 2000
BLOCK_ROWS = 128  # resamples drawn per block
_CACHE_LIMIT = 1 << 25  # keep W in memory (float32) up to this many entries
_CHUNK = 1 << 24  # otherwise draw it in chunks of about this many entries
_FLOAT32_EXACT = float(1 << 24)


def derive_seed(fingerprint: bytes, namespace: str, n_units: int, n_boot: int) -> int:
    """A 64-bit seed from the data fingerprint and what is being resampled."""
    digest = hashlib.sha256(fingerprint)
    digest.update(f"|{namespace}|{n_units}|{n_boot}".encode())
    return int.from_bytes(digest.digest()[:8], "little")


class UnitWeights:
    """The B × n resampling counts of n units, drawn block by block from one seed."""

    def __init__(self, seed: int, n_units: int, n_boot: int) -> None:
        if n_boot < 1:
            raise ValueError("n_boot must be >= 1")
        self.seed = seed
        self.n_units = n_units
        self.n_boot = n_boot
        self._cache: list[npt.NDArray[np.float32]] | None = None

    def _draw(self, limit: int) -> Iterator[npt.NDArray[np.float32]]:
        """Rows of W in chunks of whole ``BLOCK_ROWS`` draws, of at most ``limit`` entries
        (one block at least)."""
        rng = np.random.default_rng(self.seed)
        n = self.n_units
        per_chunk = max(1, limit // max(n * BLOCK_ROWS, 1)) * BLOCK_ROWS
        for chunk_start in range(0, self.n_boot, per_chunk):
            chunk_rows = min(per_chunk, self.n_boot - chunk_start)
            out = np.zeros((chunk_rows, n), dtype=np.float32)
            for start in range(0, chunk_rows, BLOCK_ROWS):
                rows = min(BLOCK_ROWS, chunk_rows - start)
                if n == 0:
                    continue
                dtype = np.int32 if rows * n < 2**31 else np.int64
                index = rng.integers(0, n, size=(rows, n), dtype=dtype)
                offsets = (np.arange(rows, dtype=np.int64) * n).astype(dtype)
                np.add(index, offsets[:, None], out=index)
                counts = np.bincount(index.ravel(), minlength=rows * n)
                out[start : start + rows] = counts.reshape(rows, n)
            yield out

    def blocks(self, max_rows: int | None = None) -> Iterator[npt.NDArray[np.float32]]:
        """The rows of W in order, as float32 counts (exact), at most ``max_rows`` at a time.

        W is kept in memory when it has at most 2²⁵ entries, and drawn again otherwise.
        """
        if self._cache is None and self.n_boot * self.n_units <= _CACHE_LIMIT:
            self._cache = list(self._draw(_CACHE_LIMIT))
        chunks = self._cache if self._cache is not None else self._draw(_CHUNK)
        for chunk in chunks:
            step = chunk.shape[0] if max_rows is None else max(1, max_rows)
            for start in range(0, chunk.shape[0], step):
                yield chunk[start : start + step]

    def matmul(self, sums: npt.ArrayLike) -> FloatArray:
        """``W @ sums`` as float64, for an (n_units × k) matrix of per-unit sums.

        Computed in float32 when every resampled sum is an integer below 2²⁴ (so exact),
        in float64 otherwise.
        """
        s = np.asarray(sums, dtype=np.float64)
        if s.ndim != 2 or s.shape[0] != self.n_units:
            raise ValueError(f"expected ({self.n_units}, k) sums, got {s.shape}")
        exact32 = bool(
            np.all(s == np.round(s))
            and float(np.abs(s).max(initial=0.0)) * self.n_units < _FLOAT32_EXACT
        )
        s_used: npt.NDArray[np.float32] | FloatArray = s.astype(np.float32) if exact32 else s
        out = np.empty((self.n_boot, s.shape[1]), dtype=np.float64)
        start = 0
        for block in self.blocks():
            w = block if exact32 else block.astype(np.float64)
            out[start : start + block.shape[0]] = w @ s_used
            start += block.shape[0]
        return out


def percentile_interval(
    replicates: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Percentile interval along axis 0, ignoring undefined (NaN or infinite) replicates.

    Returns (low, high) arrays shaped like one replicate; NaN where no replicate is defined.
    """
    r = np.asarray(replicates, dtype=np.float64)
    r = np.where(np.isfinite(r), r, np.nan)
    tail = (1.0 - level) / 2.0 * 100.0
    if r.shape[0] == 0:
        shape = r.shape[1:]
        return np.full(shape, np.nan), np.full(shape, np.nan)
    defined = ~np.isnan(r)
    if bool(defined.all()):
        low, high = np.percentile(r, [tail, 100.0 - tail], axis=0)
    else:
        with warnings.catch_warnings():  # all-NaN columns warn; they stay NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = np.nanpercentile(r, [tail, 100.0 - tail], axis=0)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
