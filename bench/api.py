"""HTTP API benchmark: every key result read through the API, and a check-in posted through it,
on the demo and on an organisation 100 times its size, against a real ``streamlit run app.py``.

For each scale it builds the organisation (the demo, or ``okr synth --scale N``: two years of
weekly check-ins), starts the dashboard on it as the README does, makes an admin's token, then:

- **check-in**: ``POST /api/v1/key-results/ID/checkins``, timed per request (target: 50 ms of
  server time);
- **read all key results**: right after each check-in, pages through ``GET
  /api/v1/key-results?limit=1000`` (the current cycle, every unit) until ``total`` is read, as a
  BI tool would, timed as a whole: the first page computes the list again (the database
  changed), the others are cut from it; then the same again with nothing changed in between.

Each request's server time is read from its ``Server-Timing`` header: ``app`` is the time from
its arrival to its answer, ``cpu`` the processor time its worker thread used, which a busy
machine inflates less than the wall clock. It prints medians and 95th percentiles, and the
ratio of the largest scale to the demo.

    python bench/api.py                        # demo and 100x, 10 full reads and 30 check-ins each
    python bench/api.py --scales 10 --reads 5 --checkins 10
    python bench/api.py --keep /tmp/okr-bench   # keep the built organisations (shared with bench/run.py)
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import build  # noqa: E402 (the organisations, as the page benchmark builds and names them)
from okrdata import queries, tokens, writes  # noqa: E402
from okrdata.db import connect  # noqa: E402
from okrdata.schema import migrate  # noqa: E402

PAGE = 1000
TARGET_CHECKIN_MS = 50


class Server:
    """``streamlit run app.py`` on 127.0.0.1 and a free port, on the given database."""

    def __init__(self, db_path: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        env = {**os.environ, "OKR_DB": str(db_path), "OKR_API_RATE_LIMIT": "1000000"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.headless=true",
                f"--server.port={port}",
                "--server.address=127.0.0.1",
                "--browser.gatherUsageStats=false",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"streamlit exited:\n{Path(self.log.name).read_text()}")
            try:
                if httpx.get(f"{self.url}/_stcore/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"streamlit did not start:\n{Path(self.log.name).read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def timing(response: httpx.Response) -> dict[str, float]:
    """``{"app": ms, "cpu": ms}`` from the Server-Timing header."""
    out = {}
    for part in response.headers.get("server-timing", "").split(","):
        name, _, value = part.strip().partition(";dur=")
        if value:
            out[name] = float(value)
    return out


def setup(path: Path) -> tuple[dict, int]:
    """An admin's token (as a header) and a key result of the current cycle to check in on."""
    db = connect(path)
    try:
        migrate(db)
        admin = db.execute("SELECT email FROM people WHERE role = 'admin' AND archived = 0 ORDER BY id").fetchone()[0]
        _, token = tokens.create_token(db, admin, name="bench/api.py", person=writes.SYSTEM)
        cycle = queries.default_cycle_id(db)
        kr = db.execute(
            "SELECT kr.id FROM key_results kr JOIN objectives o ON o.id = kr.objective_id "
            "WHERE o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0 "
            "AND kr.kr_type IN ('increase', 'decrease') ORDER BY kr.id LIMIT 1",
            [cycle],
        ).fetchone()[0]
    finally:
        db.close()
    return {"Authorization": f"Bearer {token}"}, kr


def read_all(client: httpx.Client) -> tuple[float, list[httpx.Response]]:
    """Every key result of the current cycle, a page of :data:`PAGE` at a time: the time, the answers."""
    started, offset, answers = time.perf_counter(), 0, []
    while True:
        response = client.get("/key-results", params={"limit": PAGE, "offset": offset})
        response.raise_for_status()
        answers.append(response)
        offset += PAGE
        if offset >= response.json()["total"]:
            return (time.perf_counter() - started) * 1000, answers


def measure(path: Path, reads: int, checkins: int) -> dict:
    headers, kr = setup(path)
    server = Server(path)
    out: dict[str, list[float]] = {
        k: [] for k in ("cold", "warm", "first_app", "first_cpu", "post_wall", "post_app", "post_cpu")
    }
    try:
        # A new connection per request, as a script or cron job makes: on a connection kept alive,
        # Streamlit's server (1.67, its own routes too) answers each request after the first ~40 ms
        # late (a Nagle / delayed-ACK stall), which would hide what the API itself costs.
        with httpx.Client(
            base_url=f"{server.url}/api/v1",
            headers=headers,
            timeout=120,
            limits=httpx.Limits(max_keepalive_connections=0),
        ) as client:
            read_all(client)  # the first request warms up
            for i in range(max(reads, checkins)):
                sent = time.perf_counter()
                response = client.post(
                    f"/key-results/{kr}/checkins", json={"value": i, "confidence": 6, "note": "bench/api.py"}
                )
                if response.status_code != 201:
                    raise SystemExit(f"check-in refused: {response.text}")
                if i < checkins:
                    out["post_wall"].append((time.perf_counter() - sent) * 1000)
                    out["post_app"].append(timing(response)["app"])
                    out["post_cpu"].append(timing(response)["cpu"])
                if i < reads:  # the check-in changed the database: the first page computes the list again
                    elapsed, answers = read_all(client)
                    out["cold"].append(elapsed)
                    out["first_app"].append(timing(answers[0])["app"])
                    out["first_cpu"].append(timing(answers[0])["cpu"])
                    out["warm"].append(read_all(client)[0])
            total = client.get("/key-results", params={"limit": 1}).json()["total"]
    finally:
        server.stop()
    return {"key_results": total, **out}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def cell(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} / {p95(values):.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[100], help="sizes besides the demo (default 100)")
    parser.add_argument("--reads", type=int, default=10, help="full reads of every key result per scale")
    parser.add_argument("--checkins", type=int, default=30, help="check-ins posted per scale")
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the organisations in this folder")
    options = parser.parse_args()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="okr-api-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = {}
    for scale in [1, *options.scales]:
        print(f"x{scale}:", file=sys.stderr)
        results[scale] = measure(build(folder, scale), options.reads, options.checkins)
    print(f"## HTTP API ({options.reads} full reads, {options.checkins} check-ins per scale; median / p95 in ms)\n")
    print(
        "| scale | key results | read all, after a change | read all, unchanged | first page, server app "
        "| first page, server cpu | check-in (client) | check-in, server app | check-in, server cpu |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for scale, r in results.items():
        print(
            f"| x{scale} | {r['key_results']} | {cell(r['cold'])} | {cell(r['warm'])} | {cell(r['first_app'])} "
            f"| {cell(r['first_cpu'])} | {cell(r['post_wall'])} | {cell(r['post_app'])} | {cell(r['post_cpu'])} |"
        )
    top = max(results)
    if top != 1:
        ratio = statistics.median(results[top]["cold"]) / statistics.median(results[1]["cold"])
        post = statistics.median(results[top]["post_cpu"]) / statistics.median(results[1]["post_cpu"])
        print(
            f"\nx{top} / demo: read all {ratio:.1f}x (for {results[top]['key_results'] / results[1]['key_results']:.0f}x "
            f"the key results), check-in {post:.1f}x (cpu)."
        )
    for scale, r in results.items():
        median = statistics.median(r["post_app"])
        verdict = "within" if median <= TARGET_CHECKIN_MS else "OVER"
        print(
            f"x{scale}: check-in server time {median:.0f} ms median: {verdict} the {TARGET_CHECKIN_MS} ms target "
            f"(cpu {statistics.median(r['post_cpu']):.0f} ms)."
        )


if __name__ == "__main__":
    main()
