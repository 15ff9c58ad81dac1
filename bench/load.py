"""Load benchmark: crowds of readers on one dashboard process while a lead checks in.

Starts ``streamlit run app.py`` (as the README does) on a copy of the demo, or of a synthetic
organisation N times its size, or measures a dashboard already running elsewhere (``--url``).
For each crowd size it opens that many sessions at once (within ``--ramp`` seconds, as when
everyone opens the link from an all-hands mail). Each session opens the Overview, then goes
through three pages as a sidebar click does, with no pause between them, and keeps its
connection open until the whole crowd is done, as an open tab would. Meanwhile a lead records
a check-in every ``--write-every`` seconds (``0``: none), so the readers keep meeting fresh
data, on a key result of the current cycle in the units of the lead with the most of them.

How the lead saves (``--writer``):

- ``api`` (the default): posts each check-in to the server's HTTP API
  (``POST /api/v1/key-results/ID/checkins``) with a token made for that lead on the database
  copy before the server starts, as ``okr token add`` makes one (no token is written in the
  benchmark). The server does the save among its readers, and each save is timed as its client sees it, from
  the request to the answer, on a new connection each time (as a script makes it).
- ``direct``: saves through okrdata in this process, on the database file: the server is not
  charged for the save, and its time is okrdata's alone (the benchmark's writer until now).

Two kinds of session (``--client``):

- ``protocol`` (the default): a Streamlit websocket client speaking the browser's own protocol
  with Streamlit's protobuf classes: it loads the page's HTML and the static files it names
  (unless ``--cached-assets``: a returning browser has them), opens ``/_stcore/stream``, sends
  the ``rerun_script`` BackMsg a browser sends for the Overview, then the one a sidebar click
  sends for each page (its script hash, the widgets' values, the hashes of the large elements
  it holds), and times each page to the server's ``script_finished``. It draws nothing and
  costs next to no processor, so on one machine it measures the server, not the clients. (A
  fresh browser also loads some 40 script chunks as it meets new elements, which this client
  does not: a first visit by Chromium costs the server more.)
- ``chromium``: real headless Chromium sessions, timed to the page's heading shown and the
  script finished. Each browser costs more processor than the server spends on it: on the
  server's machine they measure the browsers as much as the server.

Reported per crowd: the median and 95th percentile of the page times (and the 95th of the
Overview, with its files, and of the clicks apart), of the time from each ``rerun_script`` to
its ``script_finished`` (the server's part, read from the websocket in both kinds of session),
the errors (timeouts, exception boxes, a page missing its heading), pages served per second,
the server's processor time (in cores, the event loop's share, per page) and resident memory
(peak, and its growth over the idle process per session), the writer, its check-ins saved and
failed (and why, under the table: a refused token is a failure, not a crash) and the median,
95th percentile and longest time of a save made, the clients' processor time and the load
average; then the largest crowd served with a 95th percentile under two seconds and no error.

    python bench/load.py                                  # the demo; crowds of 10, 25 and 50
    python bench/load.py --scale 100 --keep /tmp/okr-bench  # 100x (built once, then kept)
    python bench/load.py --pin --crowds 10 25 50 --until-break
    python bench/load.py --pin --cached-assets --crowds 25 50 100
    python bench/load.py --client chromium --crowds 10 25
    python bench/load.py --writer direct                  # the lead saves in this process instead
    OKR_TOKEN=okr_... python bench/load.py --url https://okr.example.com --crowds 25
    python bench/load.py --url https://okr.example.com --crowds 25 --write-every 0   # readers only
    python bench/load.py --url http://127.0.0.1:8501 --writer direct --db data/okr.db

``--pin`` runs the server on processor 0 and this process (the sessions, the writer and any
browser) on processor 1 (``taskset``), so the clients do not take the server's processor; a
Python process runs its scripts one at a time anyway (one interpreter lock). ``--until-break``
doubles the crowd after the last one given until the 95th percentile passes two seconds.
With ``--url`` the server's processor and memory are not measured; the ``api`` writer needs a
token of a lead (or admin) of that dashboard (``--token`` or ``$OKR_TOKEN``, made there with
``okr token add --person EMAIL``; the run stops at once, saying so, without one or when the API
refuses it) and checks in on the current cycle's key results its person may change; the
``direct`` writer runs only with ``--db`` (the dashboard's database file, on this machine). Each
token may make 600 requests a minute (``OKR_API_RATE_LIMIT``), far above a check-in every few
seconds. The server started here takes Streamlit's settings from the environment too
(``STREAMLIT_RUNNER_POST_SCRIPT_GC=false``...).

Times are wall-clock on a shared machine: compare crowds within one run, not across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import socket
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import build  # noqa: E402  (the same built organisations as the page benchmark)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
FIRST = "Overview"
TOUR = [("Alignment", "Alignment"), ("KRs vs KPIs", "KRs vs KPIs"), ("All OKRs", "All OKRs")]
RENDERED = (
    "(h) => [...document.querySelectorAll(\"[data-testid='stMain'] h1\")].some(e => e.innerText.includes(h))"
    " && document.querySelector(\"[data-testid='stApp']\")?.getAttribute('data-test-script-state') === 'notRunning'"
)
TARGET_P95 = 2.0
WRITERS = {
    "api": "posted to the server's HTTP API, timed by the client",
    "direct": "saved through okrdata in the benchmark's process, not by the server",
}
ASSET_RELS = {"modulepreload", "preload", "stylesheet", "icon", "shortcut icon"}
SERVER_CPU, CLIENT_CPU = 0, 1  # with --pin
TICKS = os.sysconf("SC_CLK_TCK")


def snapshot(src: Path, dst: Path) -> Path:
    """A consistent copy of a SQLite file, its write-ahead log included (a plain file copy
    would leave out what is still in the log)."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """Processor time a process has used so far, user and system: all its threads, or the one
    ``thread`` (its main thread has the process's id)."""
    stat = Path(f"/proc/{pid}/stat") if thread is None else Path(f"/proc/{pid}/task/{thread}/stat")
    # The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Server:
    """``streamlit run`` of the dashboard (or of ``script``) on ``db_path``, on a free port;
    on the processors ``cpus`` only when given (``taskset``)."""

    def __init__(self, db_path: Path, script: Path = ROOT / "app.py", cwd: Path = ROOT, cpus: set[int] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        pin = ["taskset", "-c", ",".join(map(str, sorted(cpus)))] if cpus else []
        self.proc = subprocess.Popen(
            [
                *pin,
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(script),
                "--server.headless=true",
                f"--server.port={self.port}",
                "--server.address=127.0.0.1",
            ],
            cwd=cwd,
            env={**os.environ, "OKR_DB": str(db_path)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the dashboard did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)


class Saves(NamedTuple):
    """What a writer did during a crowd: the seconds each save made took, as its client saw
    them, why each failed save failed, and (API saves) the seconds the server says it spent on
    each save made (``Server-Timing: app``): the rest is the wait for the server and the wire."""

    times: list[float]
    failures: list[str]
    server: list[float]


class Writer(threading.Thread):
    """A lead checking in: every ``every`` seconds a check-in on one of ``krs`` (key results of
    the current cycle the lead may change), each save timed from its request to its answer."""

    kind = ""

    def __init__(self, krs: list[int], every: float):
        super().__init__(daemon=True)
        self.krs, self.every, self.stop = krs, every, threading.Event()
        self.saves = Saves([], [], [])

    def open(self) -> None:
        """What a save needs, made in the writer's own thread (a SQLite connection stays in its thread)."""

    def save(self, kr_id: int, value: float, confidence: int) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def run(self) -> None:
        rng = random.Random(7)
        self.open()
        try:
            while not self.stop.wait(self.every):
                started = time.perf_counter()
                try:
                    self.save(rng.choice(self.krs), rng.uniform(0, 1), rng.randint(3, 9))
                except Exception as exc:  # noqa: BLE001 - a failed save is a figure of the report
                    self.saves.failures.append(problem(exc))
                else:
                    self.saves.times.append(time.perf_counter() - started)
        finally:
            self.close()


class DirectWriter(Writer):
    """``--writer direct``: saves through okrdata in this process, as the lead ``email``, on the
    database file itself; the server is not charged for the save, and the time is okrdata's alone."""

    kind = "direct"

    def __init__(self, db_path: Path, email: str, krs: list[int], every: float):
        super().__init__(krs, every)
        self.db_path, self.email = db_path, email

    def open(self) -> None:
        from okrdata import auth
        from okrdata.db import connect

        self.db = connect(self.db_path)
        self.actor = auth.person_by_email(self.db, self.email)

    def save(self, kr_id: int, value: float, confidence: int) -> None:
        from okrdata import writes

        writes.add_checkin(
            self.db,
            kr_id,
            dt.date.today(),
            value,
            confidence,
            "load benchmark",
            author_id=self.actor["id"],
            person=self.actor,
        )

    def close(self) -> None:
        if getattr(self, "db", None) is not None:
            self.db.close()


class ApiRefused(Exception):
    """An HTTP API answer other than the one hoped for: its status and the error it gave."""


def api_call(
    url: str, token: str, path: str, body: dict | None = None, timeout: float = 60.0, server: list | None = None
) -> dict:
    """One call to the dashboard's HTTP API (``/api/v1``) with ``token``; its JSON answer. The
    seconds the server says it spent on the call (``Server-Timing: app``) go to ``server``.

    A new connection per call, as a script or a cron job makes: on a connection kept alive,
    Streamlit's server answers each request after the first some 40 ms late (see bench/api.py).
    """
    request = urllib.request.Request(
        f"{url}/api/v1{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            said = json.loads(answer.read())
            spent = re.search(r"\bapp;dur=([0-9.]+)", answer.headers.get("Server-Timing", ""))
            if server is not None and spent:
                server.append(float(spent[1]) / 1000)
            return said
    except urllib.error.HTTPError as refused:
        try:
            said = json.loads(refused.read())
            reason = f"{said.get('error')}: {said.get('problem', '')}".rstrip(": ")
        except ValueError:
            reason = refused.reason
        raise ApiRefused(f"{refused.code} {reason}") from None


class ApiWriter(Writer):
    """``--writer api`` (the default): posts each check-in to the server's HTTP API with a token
    of the lead, as a lead's script would; the server does the save, and its time is the
    client's, from the request to the answer."""

    kind = "api"

    def __init__(self, url: str, token: str, krs: list[int], every: float):
        super().__init__(krs, every)
        self.url, self.token = url, token

    def save(self, kr_id: int, value: float, confidence: int) -> None:
        api_call(
            self.url,
            self.token,
            f"/key-results/{kr_id}/checkins",
            {"value": value, "confidence": confidence, "note": "load benchmark"},
            server=self.saves.server,
        )


def lead_and_key_results(db_path: Path) -> tuple[str, list[int]]:
    """The lead with the most key results to check in on in the current cycle (an admin when
    there is no lead): their e-mail, and those key results (live ones of active objectives)."""
    from okrdata import auth, queries
    from okrdata.db import connect

    db = connect(db_path)
    try:
        cycle = queries.default_cycle_id(db)
        live = db.execute(
            "SELECT kr.id, o.unit_id FROM key_results kr JOIN objectives o ON o.id = kr.objective_id "
            "WHERE o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0 ORDER BY kr.id",
            [cycle],
        ).fetchall()
        best: tuple[int, str, list[int]] = (0, "", [])
        for role in ("lead", "admin"):
            for person_id, email in db.execute(
                "SELECT id, email FROM people WHERE role = ? AND archived = 0 ORDER BY id", [role]
            ).fetchall():
                units = auth.editable_unit_ids(db, person_id)
                krs = [kr for kr, unit in live if unit in units]
                if len(krs) > best[0]:
                    best = (len(krs), email, krs)
            if best[0]:
                return best[1], best[2]
    finally:
        db.close()
    raise SystemExit(f"{db_path}: no lead or admin has a key result to check in on in the current cycle")


def make_token(db_path: Path, email: str) -> tuple[int, str]:
    """A new API token acting as ``email``, made on the database file before the server opens
    it (as ``okr token add`` does): its id and the token."""
    from okrdata import tokens, writes
    from okrdata.db import connect
    from okrdata.schema import migrate

    db = connect(db_path)
    try:
        migrate(db)
        return tokens.create_token(db, email, name="bench/load.py", person=writes.SYSTEM)
    finally:
        db.close()


def api_key_results(url: str, token: str) -> list[int]:
    """Through the API: the current cycle's key results in the units the token's person may change."""
    units = set(api_call(url, token, "/me")["data"]["editable_unit_ids"])
    krs, offset = [], 0
    while True:
        page = api_call(url, token, f"/key-results?limit=1000&offset={offset}")
        krs += [kr["id"] for kr in page["data"] if kr["unit_id"] in units]
        offset += 1000
        if offset >= page["total"]:
            return krs


def descendants(root: int) -> list[int]:
    """The processes started by ``root``, and theirs (the browsers and their helpers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


class Sampler(threading.Thread):
    """While a crowd is on: the server's peak resident memory, and the processor time of the
    processes this one started (the browsers), read before they exit."""

    def __init__(self, pid: int | None):
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.peak = rss_mb(pid) if pid else float("nan")
        self.spawned: dict[int, float] = {}

    def run(self) -> None:
        while not self.stop.wait(0.5):
            if self.pid:
                self.peak = max(self.peak, rss_mb(self.pid))
            server = {self.pid, *descendants(self.pid)} if self.pid else set()
            for child in set(descendants(os.getpid())) - server:
                try:
                    self.spawned[child] = cpu_seconds(child)
                except (OSError, IndexError, ValueError):
                    pass


class Crowd:
    """What a crowd's sessions share: when the last one is done, all close their connection."""

    def __init__(self, size: int):
        self.left, self.done = size, asyncio.Event()

    def finished(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.done.set()


def shown_value(element) -> dict[str, str]:
    """The value a browser reports back for a picker or text box the page showed (its id: the
    value shown), as it does with every rerun; nothing for other elements."""
    kind = element.WhichOneof("type")
    if kind == "selectbox":
        box = element.selectbox
        if box.set_value:
            return {box.id: box.raw_value}
        return {box.id: box.options[box.default]} if 0 <= box.default < len(box.options) else {}
    if kind == "text_input":
        field = element.text_input
        return {field.id: field.value if field.set_value else field.default}
    return {}


class StreamlitReader:
    """One reader speaking Streamlit's protocol over its websocket, as the browser's code does.

    The handshake (``streamlit/web/server/starlette/starlette_websocket.py``): the client opens
    ``/_stcore/stream`` with the subprotocol ``streamlit``; the server makes a session and
    waits. Every page is then one ``rerun_script`` BackMsg carrying a ClientState: the Overview
    (the default page) with no page hash, any other with the script hash the ``navigation``
    ForwardMsg gave it. The server answers with ForwardMsgs (``new_session``, ``navigation``,
    deltas...) and ends each run with ``script_finished``. Like a browser, the reader sends the
    hashes of the large elements it holds, so the server sends a reference instead of those.
    """

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        self.secure = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port or (443 if self.secure else 80)
        self.base = parts.path.rstrip("/")
        self.url = url
        self.pages: dict[str, str] = {}
        self.held: set[str] = set()
        self.widgets: dict[str, str] = {}
        self.ws = None
        self.sent = 0.0
        self.server: list[float] = []  # seconds from each rerun request to its script_finished

    async def get(self, path: str) -> bytes:
        """An HTTP GET a browser makes (the page, its static files, health, host config); the body."""
        context = ssl.create_default_context() if self.secure else None
        reader, writer = await asyncio.open_connection(self.host, self.port, ssl=context)
        try:
            writer.write(
                f"GET {self.base}{path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                "Accept-Encoding: gzip, deflate, br, zstd\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            answer = await reader.read()
        finally:
            writer.close()
        status = answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/") else b"?"
        if status != b"200":
            raise ConnectionError(f"GET {path} answered {status.decode()}")
        return answer.partition(b"\r\n\r\n")[2]

    async def assets(self, html: bytes) -> None:
        """The static files the page's HTML names, six at a time as a browser fetches them."""
        files = []
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", html.decode(errors="replace")):
            rel = re.search(r'rel="([^"]*)"', tag)
            link = re.search(r'(?:src|href)="\./([^"]+)"', tag)
            if link and (tag.startswith("<script") or (rel and rel[1] in ASSET_RELS)):
                files.append("/" + link[1])
        slots = asyncio.Semaphore(6)

        async def fetch(path: str) -> None:
            async with slots:
                await self.get(path)

        await asyncio.gather(*(fetch(f) for f in files))

    def rerun(self, title: str | None) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        for widget_id, value in self.widgets.items():
            state.widget_states.widgets.add(id=widget_id, string_value=value)
        if title is not None:
            state.page_script_hash = self.pages[title]
        state.cached_message_hashes.extend(sorted(self.held))
        context = state.context_info
        context.timezone, context.timezone_offset, context.locale = "UTC", 0, "en-US"
        context.url, context.is_embedded, context.color_scheme = self.url, False, "light"
        return msg.SerializeToString()

    async def open(self, timeout: float, assets: bool = True) -> list[str]:
        """Load the Overview as a browser opening the link does (with an empty cache unless not
        ``assets``); the problems seen."""
        from websockets.asyncio.client import connect

        html = await self.get("/")
        if assets:
            await self.assets(html)
        for path in ("/_stcore/health", "/_stcore/host-config"):
            await self.get(path)
        scheme = "wss" if self.secure else "ws"
        self.ws = await connect(
            f"{scheme}://{self.host}:{self.port}{self.base}/_stcore/stream",
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=timeout,
        )
        self.sent = time.perf_counter()
        await self.ws.send(self.rerun(None))
        return await self.until_finished(FIRST, timeout)

    async def visit(self, title: str, timeout: float) -> list[str]:
        """Go to the page titled ``title`` as a sidebar click does; the problems seen."""
        self.sent = time.perf_counter()
        await self.ws.send(self.rerun(title))
        return await self.until_finished(title, timeout)

    async def until_finished(self, heading: str, timeout: float) -> list[str]:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        problems, seen, widgets = [], False, {}
        deadline = time.monotonic() + timeout
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), max(0.0, deadline - time.monotonic()))
            msg = ForwardMsg.FromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
            elif kind == "page_not_found":
                problems.append(f"{heading}: page not found")
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if msg.metadata.cacheable:
                    self.held.add(msg.hash)
                if element.WhichOneof("type") == "exception":
                    problems.append(f"{heading}: exception shown")
                elif element.WhichOneof("type") == "heading" and heading in element.heading.body:
                    seen = True
                widgets.update(shown_value(element))
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    return [*problems, f"{heading}: script did not compile"]
                if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    self.server.append(time.perf_counter() - self.sent)
                    self.widgets = widgets
                    return problems if seen else [*problems, f"{heading}: heading not shown"]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


class ServerPart:
    """A browser tab's Streamlit frames, as the tab sends and receives them: the seconds from
    each ``rerun_script`` request to its ``script_finished``, the part a server answers for."""

    def __init__(self, page):
        self.sent: float | None = None
        self.server: list[float] = []
        page.on("websocket", self.watch)

    def watch(self, ws) -> None:
        if ws.url.endswith("/_stcore/stream"):
            ws.on("framesent", self.on_sent)
            ws.on("framereceived", self.on_received)

    def on_sent(self, payload) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        if isinstance(payload, bytes) and BackMsg.FromString(payload).WhichOneof("type") == "rerun_script":
            self.sent = time.perf_counter()

    def on_received(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if not isinstance(payload, bytes) or self.sent is None:
            return
        msg = ForwardMsg.FromString(payload)
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
            self.server.append(time.perf_counter() - self.sent)
            self.sent = None


def problem(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:120] if str(exc) else ""
    return f"{type(exc).__name__}: {text}".rstrip(": ")


class Visits(NamedTuple):
    """What readers met: each page's time to shown, each request's time to script_finished, the
    errors; and the page times apart: the first page (the Overview, with the files a page needs)
    and the clicks after it."""

    times: list[float]
    server: list[float]
    errors: list[str]
    opened: list[float]
    clicks: list[float]


async def protocol_session(url: str, delay: float, timeout: float, crowd: Crowd, assets: bool = True) -> Visits:
    """One reader speaking Streamlit's protocol: the Overview, then :data:`TOUR`; the page times."""
    await asyncio.sleep(delay)
    times, errors = [], []
    reader = StreamlitReader(url)
    try:
        try:
            started = time.perf_counter()
            errors += await reader.open(timeout, assets)
            times.append(time.perf_counter() - started)
            for link, _heading in TOUR:
                started = time.perf_counter()
                errors += await reader.visit(link, timeout)
                times.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - a timeout is an error of the report, not of the run
            errors.append(problem(exc))
        crowd.finished()
        await crowd.done.wait()
    finally:
        await reader.close()
    return Visits(times, reader.server, errors, times[:1], times[1:])


async def chromium_session(browser, url: str, delay: float, timeout: float, crowd: Crowd) -> Visits:
    """One reader in Chromium: open the Overview, then click through :data:`TOUR`; the page times."""
    await asyncio.sleep(delay)
    times, errors = [], []
    timeout_ms = timeout * 1000
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(timeout_ms)  # page.goto and click too, not Playwright's 30 s
    page = await context.new_page()
    frames = ServerPart(page)
    try:
        try:
            started = time.perf_counter()
            await page.goto(url)
            await page.wait_for_function(RENDERED, arg=FIRST, timeout=timeout_ms)
            times.append(time.perf_counter() - started)
            for link, heading in TOUR:
                started = time.perf_counter()
                await page.locator("[data-testid='stSidebarNav'] a", has_text=link).first.click()
                await page.wait_for_function(RENDERED, arg=heading, timeout=timeout_ms)
                times.append(time.perf_counter() - started)
                if await page.locator("[data-testid='stException']").count():
                    errors.append(f"{link}: exception shown")
        except Exception as exc:  # noqa: BLE001 - a timeout is an error of the report, not of the run
            errors.append(problem(exc))
        crowd.finished()
        await crowd.done.wait()
    finally:
        await context.close()
    return Visits(times, frames.server, errors, times[:1], times[1:])


async def run_crowd(url: str, size: int, ramp: float, timeout: float, client: str, assets: bool = True) -> Visits:
    """``size`` sessions arriving within ``ramp`` seconds; what they met, all together."""
    rng = random.Random(size)
    delays = [rng.uniform(0, ramp) for _ in range(size)]
    crowd = Crowd(size)
    if client == "protocol":
        results = await asyncio.gather(*(protocol_session(url, d, timeout, crowd, assets) for d in delays))
    else:
        from playwright.async_api import async_playwright

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                results = await asyncio.gather(*(chromium_session(browser, url, d, timeout, crowd) for d in delays))
            finally:
                await browser.close()
    return Visits(*(sum((list(r[i]) for r in results), []) for i in range(5)))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def own_cpu() -> float:
    """Processor time of this process (the sessions, the writer), all its threads."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def measure(
    url: str, size: int, args, pid: int | None, idle: float, writer: Callable[[], Writer] | None = None
) -> dict:
    """One crowd on the server while ``writer`` (a new one per crowd) checks in; the row of the report."""
    lead = writer() if writer else None
    sampler = Sampler(pid)
    if lead:
        lead.start()
    sampler.start()
    nothing = float("nan")
    cpu_before, client_before = (cpu_seconds(pid) if pid else nothing), own_cpu()
    loop_before = cpu_seconds(pid, pid) if pid else nothing
    started = time.perf_counter()
    times, server, errors, opened, clicks = asyncio.run(
        run_crowd(url, size, args.ramp, args.timeout, args.client, not args.cached_assets)
    )
    wall = time.perf_counter() - started
    server_cpu = (cpu_seconds(pid) if pid else nothing) - cpu_before
    loop_cpu = (cpu_seconds(pid, pid) if pid else nothing) - loop_before
    load = os.getloadavg()[0]
    sampler.stop.set()
    sampler.join()
    if lead:
        lead.stop.set()
        lead.join()
    print(f"  {size} sessions: done in {wall:.0f} s, p95 {percentile(times, 95):.2f} s", file=sys.stderr)
    saves = lead.saves if lead else None
    return {
        "size": size,
        "pages": len(times),
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "opened_p95": percentile(opened, 95),
        "clicks_p95": percentile(clicks, 95),
        "server_p50": percentile(server, 50),
        "server_p95": percentile(server, 95),
        "errors": errors,
        "wall": wall,
        "rate": len(times) / wall,
        "cores": server_cpu / wall,
        "cpu_page": server_cpu / len(times) if times else nothing,
        "loop_share": loop_cpu / server_cpu if server_cpu else nothing,
        "client_cpu": own_cpu() - client_before + sum(sampler.spawned.values()),
        "peak": sampler.peak,
        "per_session": max(0.0, sampler.peak - idle) / size if pid else float("nan"),
        "writer": lead.kind if lead else None,
        "saved": len(saves.times) if saves else None,
        "failed": len(saves.failures) if saves else None,
        "failures": saves.failures if saves else [],
        "save_p50": percentile(saves.times, 50) if saves else nothing,
        "save_p95": percentile(saves.times, 95) if saves else nothing,
        "save_max": max(saves.times, default=nothing) if saves else nothing,
        "save_times": saves.times if saves else [],
        "save_server": saves.server if saves else [],
        "load": load,
    }


def report(rows: list[dict], args, idle: float, where: str) -> None:
    def figure(value: float, unit: str, digits: int = 2) -> str:
        return "n/a" if value != value else f"{value:.{digits}f}{unit}"

    pinned = f"; server on processor {SERVER_CPU}, sessions on {CLIENT_CPU}" if args.pin else ""
    writing = (
        f"a check-in every {args.write_every:g} s ({WRITERS[args.writer]})"
        if rows and rows[0]["writer"]
        else "no writer"
    )
    print(
        f"\nLoad on one process, {where}, {args.client} sessions arriving within {args.ramp:g} s, "
        f"{writing}{pinned}; server memory idle {figure(idle, ' MB', 0)}\n"
    )
    print(
        "| sessions | pages | p50 | p95 | p95 Overview / clicks | request to script_finished p50 / p95 "
        "| errors | pages/s "
        "| server CPU (cores) | of which event loop | CPU per page "
        "| peak memory | per session | writer | check-ins saved / failed | save p50 / p95 / max "
        "| client CPU | load avg |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for r in rows:
        if r["writer"] is None:
            saves = "none | | "
        else:
            times = " / ".join(figure(r[k] * 1000, "", 0) for k in ("save_p50", "save_p95", "save_max"))
            saves = f"{r['writer']} | {r['saved']} / {r['failed']} | {times} ms"
        print(
            f"| {r['size']} | {r['pages']} | {r['p50']:.2f} s | {r['p95']:.2f} s "
            f"| {r['opened_p95']:.2f} / {r['clicks_p95']:.2f} s "
            f"| {r['server_p50']:.2f} / {r['server_p95']:.2f} s | {len(r['errors'])} "
            f"| {r['rate']:.1f} | {figure(r['cores'], '')} | {figure(r['loop_share'] * 100, ' %', 0)} "
            f"| {figure(r['cpu_page'] * 1000, ' ms', 0)} "
            f"| {figure(r['peak'], ' MB', 0)} | {figure(r['per_session'], ' MB', 1)} | {saves} "
            f"| {r['client_cpu']:.0f} s | {r['load']:.1f} |"
        )
    served = None
    for size in sorted({r["size"] for r in rows}):  # a size given more than once counts if every run of it passed
        if any(r["p95"] >= TARGET_P95 or r["errors"] for r in rows if r["size"] == size):
            break
        served = size
    print(
        f"\nLargest crowd served with p95 under {TARGET_P95:g} s and no error, every smaller crowd too: "
        f"{served or 'none'}"
    )
    if rows and rows[0]["writer"]:
        made = sum((r["save_times"] for r in rows), [])
        spent = sum((r["save_server"] for r in rows), [])
        nothing = float("nan")
        ms = " / ".join(
            figure(v * 1000, "", 0) for v in (percentile(made, 50), percentile(made, 95), max(made, default=nothing))
        )
        print(
            f"The lead's check-ins ({rows[0]['writer']}), all crowds: {len(made)} saved, "
            f"{sum(r['failed'] for r in rows)} failed; a save made took {ms} ms (p50 / p95 / max) as its client saw it"
            + (
                f", of which the server's own time (Server-Timing app) {figure(percentile(spent, 50) * 1000, '', 0)}"
                f" / {figure(percentile(spent, 95) * 1000, ' ms', 0)}"
                if spent
                else ""
            )
        )
    for r in rows:
        for error in sorted(set(r["errors"]))[:5]:
            print(f"  {r['size']} sessions: {error} (x{r['errors'].count(error)})")
        for failure in sorted(set(r["failures"]))[:5]:
            print(f"  {r['size']} sessions, a save failed: {failure} (x{r['failures'].count(failure)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", choices=["protocol", "chromium"], default="protocol", help="what each session is")
    parser.add_argument("--url", help="measure the dashboard running at this address instead of starting one")
    parser.add_argument(
        "--writer",
        choices=list(WRITERS),
        default="api",
        help="how the lead saves: through the server's HTTP API (default) or okrdata in this process",
    )
    parser.add_argument(
        "--token", help="with --url and --writer api: a lead's (or admin's) API token (default: $OKR_TOKEN)"
    )
    parser.add_argument("--db", type=Path, help="with --url and --writer direct: the dashboard's database file")
    parser.add_argument("--scale", type=int, default=1, help="1 for the demo, N for N times its size")
    parser.add_argument("--crowds", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--until-break", action="store_true", help="then double the crowd until p95 passes 2 s")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which a crowd arrives")
    parser.add_argument(
        "--write-every", type=float, default=3.0, help="seconds between the writer's check-ins (0: none)"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a page counts as failed")
    parser.add_argument("--pin", action="store_true", help="server on processor 0, sessions on processor 1")
    parser.add_argument(
        "--cached-assets", action="store_true", help="protocol sessions skip the static files, as a returning browser"
    )
    parser.add_argument("--keep", type=Path, help="a folder to keep built databases in and reuse")
    args = parser.parse_args(argv)
    if args.client == "chromium" and not Path(CHROMIUM).exists():
        print("Chromium is missing: run scripts/install-browser.sh", file=sys.stderr)
        return 2
    if args.pin:
        os.sched_setaffinity(0, {CLIENT_CPU})  # the browsers this process starts inherit it

    scratch = server = writer = None
    writing = args.write_every > 0
    if args.url:
        url, pid, where = args.url.rstrip("/"), None, args.url
        if writing and args.writer == "api":
            token = args.token or os.environ.get("OKR_TOKEN")
            if not token:
                print(
                    "--url with --writer api needs an API token of a lead (or admin) of that dashboard: "
                    "--token TOKEN or OKR_TOKEN=TOKEN (made there with okr token add --person EMAIL); "
                    "or --write-every 0 for readers only.",
                    file=sys.stderr,
                )
                return 2
            try:
                krs = api_key_results(url, token)
            except (ApiRefused, OSError) as exc:
                print(
                    f"the writer could not list its key results through {url}/api/v1: {problem(exc)}", file=sys.stderr
                )
                return 2
            if not krs:
                print("the token's person may change no key result of the current cycle.", file=sys.stderr)
                return 2
            writer = lambda: ApiWriter(url, token, krs, args.write_every)  # noqa: E731
        elif writing and args.db:
            email, krs = lead_and_key_results(args.db)
            writer = lambda: DirectWriter(args.db, email, krs, args.write_every)  # noqa: E731
        elif writing:
            print(
                "--writer direct with --url writes only with --db (the database file): readers only.", file=sys.stderr
            )
    else:
        folder = args.keep or Path(tempfile.mkdtemp(prefix="okr-load-"))
        folder.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="okr-load-run-"))
        db_path = snapshot(build(folder, args.scale), scratch / "okr.db")
        if writing:
            email, krs = lead_and_key_results(db_path)
            # The token is made on the copy before the server opens it, as `okr token add` would be.
            token = make_token(db_path, email)[1] if args.writer == "api" else None
        server = Server(db_path, cpus={SERVER_CPU} if args.pin else None)
        url, pid = server.url, server.proc.pid
        where = "demo" if args.scale == 1 else f"{args.scale}x"
        if writing and args.writer == "api":
            writer = lambda: ApiWriter(url, token, krs, args.write_every)  # noqa: E731
        elif writing:
            writer = lambda: DirectWriter(db_path, email, krs, args.write_every)  # noqa: E731
    rows: list[dict] = []
    try:
        # One visit first, so the process's one-time work (imports, schema check) is not charged to a crowd.
        asyncio.run(run_crowd(url, 1, 0, args.timeout, args.client, not args.cached_assets))
        idle = rss_mb(pid) if pid else float("nan")
        sizes = list(args.crowds)
        while sizes:
            rows.append(measure(url, sizes.pop(0), args, pid, idle, writer))
            last = rows[-1]
            if not sizes and args.until_break and last["p95"] < TARGET_P95 and last["size"] < 1600:
                sizes.append(last["size"] * 2)
    finally:
        if server:
            server.stop()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    report(rows, args, idle, where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
