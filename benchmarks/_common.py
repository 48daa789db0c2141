"""Helpers shared by ``benchmarks/features.py`` and ``benchmarks/segment.py``.

* :func:`run_in_child` runs one measured step in a fresh process (spawn start
  method: a new interpreter, nothing inherited from the parent's heap), so that
  every path's peak memory is its own.
* :class:`PeakMemory`, used inside that child, reports the child's peak
  resident set size two ways:

  - ``peak_rss_mb``: the kernel's high-water mark ``VmHWM`` from
    ``/proc/self/status``, read when the step ends.  It is exact (no sampling
    can miss a short spike) and covers the whole child process since it
    started: interpreter, imports, Python heap and native memory (DuckDB,
    Arrow, OpenBLAS).  ``VmHWM`` belongs to the process's own address space,
    which is new after ``exec``, so unlike ``getrusage(...).ru_maxrss`` it does
    not inherit the parent's high-water mark (Linux copies the old address
    space's peak into ``ru_maxrss`` at ``exec``, and a vfork'ed child's old
    address space *is* the parent's).
  - ``peak_rss_sampled_mb``: the largest RSS seen by a psutil thread sampling
    every 20 ms during the step, as a cross-check (it can only be lower).

  ``baseline_rss_mb`` is the RSS when the timed step starts (imports done).
* :func:`ensure_log` writes the simulated transaction log once into the cache
  folder and reuses it while the generator (``analysis/shop/``) is unchanged.

Every benchmark sets ``OPENBLAS_NUM_THREADS=1`` unless it is already set; the
children inherit the environment.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_CACHE = ROOT / "benchmarks" / ".cache"
SAMPLE_SECONDS = 0.02
MB = 2**20


def log(message: str) -> None:
    """A progress line on stderr (stdout is kept for the result JSON)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ processes


def run_in_child(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a new spawned process; its return value or its exception.

    ``fn`` must be a module-level function (it is pickled by name).
    """
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args, **kwargs).result()


# --------------------------------------------------------------------- memory


def _status_kb(field: str) -> int | None:
    """A ``kB`` field of ``/proc/self/status`` (Linux), e.g. ``VmHWM``; None elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """Peak RSS of this process over a ``with`` block (see the module docstring).

    After the block: ``baseline_mb``, ``peak_mb`` (``VmHWM``, falling back to
    the sampled peak where ``/proc`` is absent) and ``sampled_peak_mb``.
    """

    def __init__(self, interval: float = SAMPLE_SECONDS) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.baseline_mb = 0.0
        self.sampled_peak_mb = 0.0
        self.peak_mb = 0.0

    def _rss(self) -> int:
        return self._process.memory_info().rss

    def _sample(self) -> None:
        peak = self._rss()
        while not self._stop.wait(self._interval):
            peak = max(peak, self._rss())
        self._sampled_peak = max(peak, self._rss())

    def __enter__(self) -> PeakMemory:
        self.baseline_mb = self._rss() / MB
        self._sampled_peak = 0
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sampled_peak_mb = self._sampled_peak / MB
        hwm = _status_kb("VmHWM")
        self.peak_mb = hwm / 1024 if hwm is not None else self.sampled_peak_mb

    def as_dict(self) -> dict[str, float]:
        return {
            "peak_rss_mb": round(self.peak_mb, 1),
            "peak_rss_sampled_mb": round(self.sampled_peak_mb, 1),
            "baseline_rss_mb": round(self.baseline_mb, 1),
        }


# ------------------------------------------------------------------- the data


def generator_checksum() -> str:
    """First 12 hex digits of the SHA-256 of the simulator, ``analysis/shop/*.py``.

    Each file's path (relative to the package) and bytes are hashed in name order.
    """
    digest = hashlib.sha256()
    package = ROOT / "analysis" / "shop"
    for path in sorted(package.glob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _write_log(path: str, n_rows: int, seed: int, exact: bool, options: dict[str, Any]) -> dict[str, Any]:
    """Child job: write the log with :func:`analysis.shop.write_shop_parquet`."""
    from analysis.shop import write_shop_parquet

    with PeakMemory() as mem:
        info = write_shop_parquet(path, n_rows=n_rows, seed=seed, exact=exact, **options)
    return {**info, "peak_rss_mb": round(mem.peak_mb, 1)}


def ensure_log(
    cache_dir: Path,
    name: str,
    *,
    n_rows: int | Callable[[], int],
    seed: int,
    exact: bool = True,
    options: dict[str, Any] | None = None,
) -> tuple[Path, dict[str, Any]]:
    """The Parquet log ``<cache_dir>/<name>_<checksum>.parquet``: reused or written now.

    ``name`` should say what was asked for (rows or customers, and the seed);
    the checksum of ``analysis/shop/`` is appended, so a changed generator
    never reuses an old file.  A sidecar JSON beside the file records the
    arguments, the generator's checksum, the file's size and what
    ``write_shop_parquet`` returned; the file is reused only when the sidecar
    matches all of them.  ``options`` are further keyword arguments of
    ``write_shop_parquet`` (e.g. ``chunk_customers``).  ``n_rows`` may be a
    callable, called only when the file must be written.  The file is written under a temporary name and
    renamed when complete, so an interrupted run leaves nothing reusable.

    Returns ``(path, info)``; ``info`` has ``rows, customers, orders`` and
    ``generate_seconds`` (0 when reused; it includes the call of a callable
    ``n_rows``) and ``reused``.
    """
    options = dict(options or {})
    cache_dir.mkdir(parents=True, exist_ok=True)
    checksum = generator_checksum()
    path = cache_dir / f"{name}_{checksum}.parquet"
    sidecar = path.with_suffix(".json")
    if path.exists() and sidecar.exists():
        meta = json.loads(sidecar.read_text())
        if (
            meta.get("shop_sha256_12") == checksum
            and meta.get("seed") == seed
            and meta.get("exact") == exact
            and meta.get("options", {}) == options
            and meta.get("bytes") == path.stat().st_size
        ):
            log(f"reusing {path.name} ({meta['rows']:,} rows, {meta['customers']:,} customers)")
            return path, {**meta, "generate_seconds": 0.0, "reused": True}
        log(f"{path.name}: sidecar does not match, writing it again")
    start = time.perf_counter()  # a sizing probe (callable n_rows) counts as generation time
    rows = n_rows() if callable(n_rows) else int(n_rows)
    log(f"writing {path.name}: n_rows={rows:,} seed={seed} exact={exact} {options or ''} (in a child process)")
    tmp = path.with_name(path.name + ".tmp")
    info = run_in_child(_write_log, str(tmp), rows, seed, exact, options)
    seconds = time.perf_counter() - start
    os.replace(tmp, path)
    meta = {
        "file": path.name,
        "n_rows_requested": rows,
        "seed": seed,
        "exact": exact,
        "options": options,
        "shop_sha256_12": checksum,
        "bytes": path.stat().st_size,
        "rows": info["rows"],
        "customers": info["customers"],
        "orders": info["orders"],
        "chunks": info["chunks"],
        "write_seconds": round(info["seconds"], 2),
        "write_peak_rss_mb": info["peak_rss_mb"],
    }
    sidecar.write_text(json.dumps(meta, indent=2) + "\n")
    log(
        f"wrote {info['rows']:,} rows, {info['customers']:,} customers in {seconds:.1f} s "
        f"(peak {info['peak_rss_mb']:.0f} MB)"
    )
    return path, {**meta, "generate_seconds": round(seconds, 2), "reused": False}


def machine() -> dict[str, Any]:
    """What the numbers were measured on.

    Call it when the benchmark starts: ``load_average`` (1, 5, 15 min) then
    shows whether something else was using the 2 cores (well above 0: the
    timings may be inflated; once the benchmark runs, its own threads count).
    """
    import platform

    import psutil

    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **_commit(),
    }


def _commit() -> dict[str, Any]:
    """The project's commit (``commit``) and whether the working copy differed from it (``changed``: files
    tracked by git and modified), so that a result of record names the code it measured; nothing outside a
    git checkout or without git."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30,
                              check=True).stdout.strip()  # fmt: skip

    try:
        changed = bool(git("status", "--porcelain", "--untracked-files=no"))
        return {"commit": git("rev-parse", "HEAD"), "changed": changed}
    except (OSError, subprocess.SubprocessError):
        return {}


def reference_seconds() -> float:
    """Seconds of a fixed piece of work of the kind the chapters do, in this process: a sparse product into a
    dense array, passes over fresh arrays and a loop of Python. Measured beside a timing, it tells how fast the
    machine was at that minute (here its speed varies by about 1.5x from minute to minute with nothing else
    running), so that timings taken at different minutes can be compared."""
    import numpy as np
    import scipy.sparse as sp

    X = sp.random(4000, 3000, density=0.02, format="csr", random_state=0, dtype=np.float64)
    start = time.perf_counter()
    for _ in range(2):
        G = (X.T @ X).toarray()
        G = np.sqrt(G + 1.0)
        G /= G.sum()
    sum(i * i for i in range(500_000))
    return round(time.perf_counter() - start, 3)
