"""Click probe: where the time of a sidebar click goes, in the browser and on the wire.

Times sidebar clicks in one headless Chromium, as ``bench/sidebar_click.py`` does, on four
servers started side by side: a bare two-page Streamlit app (the floor), the same two pages
under the dashboard's frame (``ui.frame.draw``: pickers, sign-in box, CSS, demo notice; each
page only its title), and the dashboard on the demo and on an organisation ``--scale`` times
its size. Each click is split into four spans on one clock (the system's):

* **click → sent**: from the click (Python, just before Playwright clicks) to the front end's
  rerun request leaving the page (the page's ``WebSocket.send``, timed inside the page); long
  when the page's main thread is still busy with the previous page;
* **sent → first**: to the first message of the run reaching the browser (Chromium's network
  layer, through the DevTools protocol): the server's start of a run;
* **first → last**: to the run's ``script_finished`` message on the wire: the script's run and
  the sending of its messages;
* **last → drawn**: to the page found drawn (its title shown and the script finished, checked
  in the page at each animation frame, as the benchmark's wait does).

Also per click: how many messages and bytes the run sent, its deltas by element type, and how
long the page's main thread was blocked by long tasks (over 50 ms) in each span.

``--replay`` gives each page's floor: the messages one run of the page sent are recorded, and a
fifth server (``replay:demo``, ``replay:scaled``) sends them again from a script that computes
nothing. What the dashboard costs above its replay is its own Python; what the replay costs
above the bare app is Streamlit's and the browser's for that content (so many elements, such
tables and charts). ``--before`` clicks another checkout's dashboard in the same run (and, with ``--replay``, its
replay: ``replay:demo@before``).

    python bench/click_probe.py --keep /tmp/okr-bench                # demo and 10x, 3 clicks a page
    python bench/click_probe.py --scale 100 --repeat 5 --pages Overview Check-in
    python bench/click_probe.py --apps bare frame demo --detail       # the frame alone, message kinds
    python bench/click_probe.py --replay --before /tmp/old-checkout   # each page's floor; an older checkout too
    python bench/click_probe.py --after-write --write-gap 1           # a click a second after a colleague's check-in

Times are wall-clock on a shared machine: compare the apps within one run (they are clicked in
turn, so a slow spell costs each), not figures across runs.
"""

from __future__ import annotations

import argparse
import base64
import collections
import itertools
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import CHROMIUM, CHROMIUM_ARGS, free_port, snapshot  # noqa: E402
from run import build  # noqa: E402
from sidebar_click import BARE_APP, WALL_DRAWN, CheckIns, bare_folder, pages  # noqa: E402

# The dashboard's frame around pages that draw only their title: what every page pays before
# its own content. Same menu, same page titles, same URLs as the dashboard.
FRAME_APP = """import sys

sys.path.insert(0, {root!r})

import streamlit as st

if __name__ == "__main__":
    from ui import frame, navigation

    def page(title):
        def draw():
            frame.sidebar.current()
            st.title(title)

        draw.__name__ = title.lower().replace(" ", "_").replace("-", "_")
        return draw

    st.set_page_config(page_title="OKR dashboard", page_icon=":material/track_changes:", layout="wide")
    sections = {{}}
    for p in navigation.PAGES:
        url = p.path.split("/")[-1].removesuffix(".py")
        sections.setdefault(p.group, []).append(
            st.Page(page(p.title), title=p.title, icon=p.icon, default=p.default, url_path=None if p.default else url)
        )
    chosen = st.navigation(sections)
    frame.draw()
    chosen.run()
else:  # served as the dashboard is: an st.App, the process settled as app.py does
    try:
        from ui import process
    except ImportError:  # a checkout from before ui.process
        pass
    else:
        process.settle()
    app = st.App(__file__)
"""
# The messages a dashboard page's run sent, sent again by a script that computes nothing: what
# Streamlit and the browser cost for that page's content alone, the floor for the page.
REPLAY_APP = """import pickle
import sys

sys.path.insert(0, {root!r})

import streamlit as st
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import navigation

with open({recording!r}, "rb") as f:
    RECORDED = pickle.load(f)


def page(title):
    def draw():
        ctx = get_script_run_ctx()
        for raw in RECORDED.get(title, []):
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            ctx.enqueue(msg)

    draw.__name__ = title.lower().replace(" ", "_").replace("-", "_")
    return draw


sections = {{}}
for p in navigation.PAGES:
    url = p.path.split("/")[-1].removesuffix(".py")
    sections.setdefault(p.group, []).append(
        st.Page(page(p.title), title=p.title, icon=p.icon, default=p.default, url_path=None if p.default else url)
    )
st.navigation(sections).run()
"""
REPLAYED = ("delta", "page_config_changed", "logo")
"""The kinds of message a replay sends again (the rest are Streamlit's own, sent at every run)."""


def replayable(payloads: list[bytes], full: dict[str, bytes]) -> list[bytes]:
    """The messages of a run a replay sends: its deltas and page settings, a reference to a
    message the browser had cached replaced by that message (``full``, by hash)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    out = []
    for raw in payloads:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        what = msg.WhichOneof("type")
        if what == "ref_hash":
            raw = full[msg.ref_hash]
            msg.ParseFromString(raw)
            what = msg.WhichOneof("type")
        if what in REPLAYED:
            out.append(raw)
    return out


# The bare app served as the dashboard is (an ``st.App``, run by uvicorn rather than tornado).
ASGI_APP = BARE_APP.replace("st.navigation(", "def main():\n    st.navigation(").replace(
    ".run()\n", ".run()\n\n\nif __name__ == '__main__':\n    main()\nelse:\n    app = st.App(__file__)\n"
)

# In the page, before any of its scripts: time each WebSocket send and message dispatch, the
# long tasks of the main thread, on the system clock (ms since the epoch).
INSTRUMENT = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const probe = window.__okrProbe = {sent: [], received: [], long: [], drawn: null};
  const Native = window.WebSocket;
  class Probed extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => probe.received.push(now()));
    }
    send(data) { probe.sent.push(now()); return super.send(data); }
  }
  window.WebSocket = Probed;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.long.push([performance.timeOrigin + e.startTime, e.duration]);
    }).observe({type: 'longtask', buffered: true});
  } catch (e) {}
})();
"""
DRAWN = (
    "(h) => { const ok = h === null ? (" + WALL_DRAWN + ")() : "
    "[...document.querySelectorAll(\"[data-testid='stMain'] h1\")].some(e => e.innerText.includes(h))"
    " && document.querySelector(\"[data-testid='stApp']\")?.getAttribute('data-test-script-state') === 'notRunning';"
    " if (ok && window.__okrProbe.drawn === null) window.__okrProbe.drawn = performance.timeOrigin + performance.now();"
    " return ok; }"
)
SPANS = ("click→sent", "sent→first", "first→last", "last→drawn")


@dataclass
class Wire:
    """The DevTools protocol's view of one page's WebSocket: frames with their system time."""

    offset: float | None = None  # system seconds minus the protocol's monotonic seconds
    received: list[tuple[float, bytes]] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)
    cached: dict[str, bytes] = field(default_factory=dict)
    """Messages the browser may cache (10 KB or more, Streamlit's ``global.minCachedMessageSize``), by hash."""

    def attach(self, page) -> None:
        cdp = page.context.new_cdp_session(page)

        def handshake(e):
            self.offset = e["wallTime"] - e["timestamp"]

        def received(e):
            if e["response"].get("opcode") == 2:
                raw = base64.b64decode(e["response"]["payloadData"])
                self.received.append((e["timestamp"], raw))
                if len(raw) >= 10_000:
                    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

                    msg = ForwardMsg()
                    msg.ParseFromString(raw)
                    if msg.hash:
                        self.cached[msg.hash] = raw

        cdp.on("Network.webSocketWillSendHandshakeRequest", handshake)
        cdp.on("Network.webSocketFrameReceived", received)
        cdp.on("Network.webSocketFrameSent", lambda e: self.sent.append(e["timestamp"]))
        cdp.send("Network.enable")
        page._okr_cdp = cdp  # keep the session alive with the page

    def wall(self, timestamp: float) -> float:
        return (timestamp + (self.offset or 0.0)) * 1000


@dataclass
class Click:
    app: str
    page: str
    kind: str
    spans: dict[str, float]
    total: float
    messages: int
    kilobytes: float
    deltas: collections.Counter
    blocked: dict[str, float]
    largest: list[tuple[int, str]]
    payloads: list[bytes] = field(default_factory=list, repr=False)


def kinds(payloads: list[bytes]) -> collections.Counter:
    """The run's messages by kind, deltas by the element (or block) they add."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    counts: collections.Counter = collections.Counter()
    for raw in payloads:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        what = msg.WhichOneof("type")
        if what == "delta":
            d = msg.delta
            inner = d.WhichOneof("type")
            if inner == "new_element":
                counts[d.new_element.WhichOneof("type")] += 1
            elif inner == "add_block":
                counts["block:" + (d.add_block.WhichOneof("type") or "?")] += 1
            else:
                counts["delta:" + str(inner)] += 1
        else:
            counts[str(what)] += 1
    return counts


def largest(payloads: list[bytes], count: int = 4) -> list[tuple[int, str]]:
    """The ``count`` largest messages of a run: (bytes, kind), a cached one's reference named so."""
    sized = []
    for raw in payloads:
        kind = kinds([raw]).most_common(1)[0][0]
        sized.append((len(raw), kind))
    return sorted(sized, reverse=True)[:count]


def finished(raw: bytes) -> bool:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    msg.ParseFromString(raw)
    return msg.WhichOneof("type") == "script_finished"


class Tab:
    """One app in one browser context, instrumented."""

    def __init__(self, browser, name: str, url: str, first: str | None, timeout_ms: float):
        self.name, self.timeout_ms = name, timeout_ms
        self.dashboard = not name.startswith(("bare", "frame"))
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.context.add_init_script(INSTRUMENT)
        self.page = self.context.new_page()
        self.wire = Wire()
        self.wire.attach(self.page)
        self.page.goto(url)
        self.page.wait_for_function(DRAWN, arg=first, timeout=timeout_ms)

    def click(self, link: str, kind: str = "plain") -> Click:
        page, wire = self.page, self.wire
        page.evaluate(
            "() => { const p = window.__okrProbe; p.sent.length = 0; p.received.length = 0; p.drawn = null; }"
        )
        wire.received.clear()
        wire.sent.clear()
        started = time.time() * 1000
        page.locator("[data-testid='stSidebarNav'] a", has_text=link).first.click()
        page.wait_for_function(
            DRAWN, arg=None if link == "Wall screen" and self.dashboard else link, timeout=self.timeout_ms
        )
        ended = time.time() * 1000
        probe = page.evaluate("() => window.__okrProbe")
        # Let the protocol's last events arrive (they come on the same connection, in order).
        page.evaluate("() => 0")
        sent = min((t for t in probe["sent"] if t >= started), default=float("nan"))
        run = [(ts, raw) for ts, raw in wire.received if wire.wall(ts) >= sent - 5]
        first = wire.wall(run[0][0]) if run else float("nan")
        last = next((wire.wall(ts) for ts, raw in run if finished(raw)), float("nan"))
        drawn = probe["drawn"] or ended
        marks = [started, sent, first, last, drawn]
        spans = {name: marks[i + 1] - marks[i] for i, name in enumerate(SPANS)}
        blocked = {name: 0.0 for name in SPANS}
        for begin, duration in probe["long"]:
            for i, name in enumerate(SPANS):
                lo, hi = marks[i], marks[i + 1]
                blocked[name] += max(0.0, min(hi, begin + duration) - max(lo, begin))
        until_last = [raw for ts, raw in run if wire.wall(ts) <= last + 1]
        return Click(
            self.name,
            link,
            kind,
            spans,
            drawn - started,
            len(until_last),
            sum(len(r) for r in until_last) / 1024,
            kinds(until_last),
            blocked,
            largest(until_last),
            until_last,
        )

    def close(self) -> None:
        self.context.close()


def median(values) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def report(clicks: list[Click], detail: bool) -> None:
    floor = median(c.total for c in clicks if c.app == "bare")
    print(f"\nBare two-page app: a click {floor:.0f} ms (median of {sum(c.app == 'bare' for c in clicks)})\n")
    print("| app | page | kind | click | ÷ bare | " + " | ".join(SPANS) + " | blocked | msgs | KB |")
    print("|---|---|---|---:|---:|" + "---:|" * len(SPANS) + "---:|---:|---:|")
    groups: dict[tuple, list[Click]] = collections.defaultdict(list)
    for c in clicks:
        groups[(c.app, "(both)" if c.app.startswith("bare") else c.page, c.kind)].append(c)
    for (app, page, kind), cs in groups.items():
        total = median(c.total for c in cs)
        spans = " | ".join(f"{median(c.spans[s] for c in cs):.0f}" for s in SPANS)
        blocked = "/".join(f"{median(c.blocked[s] for c in cs):.0f}" for s in SPANS)
        print(
            f"| {app} | {page} | {kind} | {total:.0f} | {total / floor:.2f} | {spans} | {blocked} "
            f"| {median(c.messages for c in cs):.0f} | {median(c.kilobytes for c in cs):.0f} |"
        )
    if detail:
        print("\nMessages of one run (the last click of each page):")
        seen = {}
        for c in clicks:
            seen[(c.app, c.page)] = c
        for (app, page), c in seen.items():
            print(f"  {app} {page}: " + ", ".join(f"{k} {n}" for k, n in c.deltas.most_common()))
            print("      largest: " + ", ".join(f"{kind} {size / 1024:.0f} KB" for size, kind in c.largest))


class App:
    """``streamlit run`` of a script from a checkout (its modules first on the path), on a free port."""

    def __init__(self, script: Path, db_path: Path, root: Path = ROOT, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(script),
                "--server.headless=true",
                f"--server.port={self.port}",
                "--server.address=127.0.0.1",
            ],
            cwd=script.parent,
            env={**os.environ, "OKR_DB": str(db_path), "PYTHONPATH": str(root), **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{script} did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10, help="the larger organisation, N times the demo")
    parser.add_argument("--repeat", type=int, default=3, help="clicks per page and kind")
    parser.add_argument("--apps", nargs="+", default=["bare", "frame", "demo", "scaled"])
    parser.add_argument(
        "--before", type=Path, help="another checkout: its dashboard and frame are clicked too, as NAME@before"
    )
    parser.add_argument("--pages", nargs="+", help="dashboard pages to click (default: all)")
    parser.add_argument("--after-write", action="store_true", help="also click right after a check-in")
    parser.add_argument(
        "--write-gap",
        type=float,
        default=0.0,
        help="seconds between that check-in and the click (default 0: at once, racing the server's warmer)",
    )
    parser.add_argument("--detail", action="store_true", help="print each page's messages by kind")
    parser.add_argument(
        "--replay",
        action="store_true",
        help="also click replay:NAME, each dashboard page's recorded messages sent by a script that computes nothing",
    )
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--keep", type=Path, help="a folder to keep built databases in and reuse")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    timeout_ms = args.timeout * 1000
    folder = args.keep or Path(tempfile.mkdtemp(prefix="okr-probe-"))
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="okr-probe-run-"))
    titles = args.pages or pages()
    servers: dict[str, App] = {}
    writers: dict[str, CheckIns] = {}
    roots = {"": ROOT, **({"@before": args.before.resolve()} if args.before else {})}
    try:
        bare_dir = bare_folder(scratch / "bare", BARE_APP)
        servers["bare"] = App(bare_dir / "app.py", scratch / "unused.db")
        if "asgi" in args.apps:
            servers["bare-asgi"] = App(bare_folder(scratch / "asgi", ASGI_APP) / "app.py", scratch / "unused.db")
        built = {"demo": build(folder, 1)}
        if "scaled" in args.apps:
            built["scaled"] = build(folder, args.scale)
        for suffix, root in roots.items():
            tag = suffix.strip("@") or "now"
            if "frame" in args.apps:
                frame_dir = bare_folder(scratch / f"frame-{tag}", FRAME_APP.format(root=str(root)))
                db = snapshot(built["demo"], scratch / f"okr-frame-{tag}.db")
                servers["frame" + suffix] = App(frame_dir / "app.py", db, root)
            for name in ("demo", "scaled"):
                if name in args.apps:
                    db = snapshot(built[name], scratch / f"okr-{name}-{tag}.db")
                    servers[name + suffix] = App(root / "app.py", db, root)
                    writers[name + suffix] = CheckIns(db)
        clicks: list[Click] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            tabs = {
                name: Tab(browser, name, server.url, "First" if name.startswith("bare") else "Overview", timeout_ms)
                for name, server in servers.items()
            }
            if args.replay:
                for name in [n for n in tabs if n.split("@")[0] in ("demo", "scaled")]:  # @before too
                    tab, recorded = tabs[name], {}
                    # The replay opens on the Overview, and Alignment is where a click on the Overview starts.
                    for title in dict.fromkeys(["Overview", "Alignment", *titles]):
                        tab.click("Alignment" if title == "Overview" else "Overview")
                        recorded[title] = replayable(tab.click(title).payloads, tab.wire.cached)
                    recording = scratch / f"replay-{name}.pickle"
                    recording.write_bytes(pickle.dumps(recorded))
                    replay_dir = bare_folder(
                        scratch / f"replay-{name}", REPLAY_APP.format(root=str(ROOT), recording=str(recording))
                    )
                    servers["replay:" + name] = App(replay_dir / "app.py", scratch / "unused.db")
                    tabs["replay:" + name] = Tab(
                        browser, "replay:" + name, servers["replay:" + name].url, "Overview", timeout_ms
                    )
            for name, tab in tabs.items():  # each page's first run builds its caches: not what is timed
                if not name.startswith("bare"):
                    for title in titles:
                        tab.click("Alignment" if title == "Overview" else "Overview")
                        tab.click(title)
            bare_next = ["Second"]

            def bare_click() -> None:
                for name, tab in tabs.items():
                    if name.startswith("bare"):
                        clicks.append(tab.click(bare_next[0]))
                bare_next[0] = "First" if bare_next[0] == "Second" else "Second"

            kinds_wanted = ["plain"] + (["after a write"] if args.after_write else [])
            # All plain clicks first: a write before one page's click would make the next page's
            # plain click one after a write too.
            for kind in kinds_wanted:
                for _, title in itertools.product(range(args.repeat), titles):
                    for name, tab in tabs.items():
                        if name.startswith("bare") or (kind != "plain" and name not in writers):
                            continue
                        away = titles[1] if title == titles[0] else titles[0]
                        if away == title or not tab.dashboard:
                            away = "Alignment" if title == "Overview" else "Overview"
                        tab.click(away)
                        bare_click()
                        if kind == "after a write":
                            writers[name].save()
                            time.sleep(args.write_gap)
                        clicks.append(tab.click(title, kind))
                        print(f"  {name} {title} {kind}: {clicks[-1].total:.0f} ms", file=sys.stderr)
            browser.close()
    finally:
        for w in writers.values():
            w.db.close()
        for s in servers.values():
            s.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    report(clicks, args.detail)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
