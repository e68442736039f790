"""`pathdeck serve`: the preview gallery on 127.0.0.1, rebuilt as the source changes, reloaded live."""

from __future__ import annotations

import html
import json
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pathdeck.package.rows import write_notes
from pathdeck.pipeline import plan
from pathdeck.problems import ContentError, Problem
from pathdeck.tools.preview import CardView, anki_version, render_package, write_gallery

HOST = "127.0.0.1"
"""Only this machine: the preview shows unpublished course content."""
POLL_SECONDS = 0.2
"""How often the watcher looks at the source's files (cheap: one stat per file)."""
WAIT_SECONDS = 15.0
"""How long a page's reload request waits for a change before it asks again."""
WAIT_PATH = "/__pathdeck/wait"

# Injected into the gallery's own pages as served (never into the files on disk): it waits for
# the next rebuild and reloads the page.
_RELOAD_SCRIPT = """<script>
(function () {
  var version = %d;
  function wait() {
    fetch("%s?version=" + version, {cache: "no-store"})
      .then(function (response) { return response.json(); })
      .then(function (data) { if (data.version !== version) { location.reload(); } else { wait(); } })
      .catch(function () { setTimeout(wait, 1000); });
  }
  wait();
})();
</script>"""

Snapshot = dict[str, tuple[int, int]]
"""Each file under the source: its modification time and size."""


def snapshot(source: Path) -> Snapshot:
    """What the watcher compares: every file's mtime and size (a vanished file just drops out)."""
    found: Snapshot = {}
    for path in source.rglob("*"):
        try:
            stat = path.stat()
        except OSError:  # removed while we looked: the next look sees it gone
            continue
        if path.is_file():
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found


def _note_key(note: Any) -> tuple[object, ...]:
    """A note renders the same while its GUID, fields, tags and deck stay the same."""
    spec = note.spec
    return (note.guid, spec.role, spec.fields, spec.tags, spec.deck, spec.retired)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """One rebuild: its version, and the problems that stopped it (none when it worked)."""

    version: int
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    rendered: int = 0  # notes rendered by Anki this time; the rest came from the cache


class LivePreview:
    """The gallery of one source, kept up to date; notes that did not change are not re-rendered."""

    def __init__(self, source: Path, output: Path) -> None:
        self.source = source
        self.output = output
        self.anki = anki_version()
        self._cards: dict[tuple[object, ...], list[CardView]] = {}
        self._changed = threading.Condition()
        self._rebuilding = threading.Lock()  # the watcher and a caller never rebuild at once
        self.outcome = Outcome(version=0)

    def rebuild(self) -> Outcome:
        """Plan the build, render the notes not seen before, rewrite the gallery."""
        with self._rebuilding:
            return self._rebuild()

    def _rebuild(self) -> Outcome:
        try:
            rendered, warnings = self._render()
            outcome = Outcome(
                version=self.outcome.version + 1, warnings=warnings, rendered=rendered
            )
        except ContentError as exc:
            outcome = Outcome(version=self.outcome.version + 1, errors=exc.problems)
        with self._changed:
            self.outcome = outcome
            self._changed.notify_all()
        return outcome

    def _render(self) -> tuple[int, tuple[Problem, ...]]:
        checked, resolution = plan(self.source)  # read-only: the ledger is never written
        notes = sorted(resolution.notes, key=lambda note: note.spec.order)
        keys = [_note_key(note) for note in notes]
        fresh = [note for note, key in zip(notes, keys, strict=True) if key not in self._cards]
        if fresh:
            with tempfile.TemporaryDirectory(prefix="pathdeck-serve-") as scratch:
                apkg = Path(scratch) / "changed.apkg"
                write_notes(apkg, checked.course, replace(resolution, notes=tuple(fresh)))
                views = render_package(apkg)
            by_guid: dict[str, list[CardView]] = {}
            for view in views:
                by_guid.setdefault(view.guid, []).append(view)
            for note, key in zip(notes, keys, strict=True):
                if key not in self._cards:
                    self._cards[key] = sorted(by_guid.get(note.guid, []), key=lambda v: v.ord)
        live = set(keys)
        for stale in [key for key in self._cards if key not in live]:
            del self._cards[stale]  # edited away: its old rendering is never shown again
        cards = [view for key in keys for view in self._cards[key]]
        write_gallery(self.output, checked.course, cards, self.anki)
        return len(fresh), checked.warnings + resolution.warnings

    def wait_for_change(self, version: int, timeout: float) -> int:
        """The current version, as soon as it differs from `version` (or after `timeout`)."""
        with self._changed:
            self._changed.wait_for(lambda: self.outcome.version != version, timeout=timeout)
            return self.outcome.version


def error_page(outcome: Outcome) -> str:
    """What the browser shows while the source has errors: each problem with its location."""
    items = "".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in outcome.errors)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>pathdeck serve: fix the source</title></head>"
        '<body style="font: 16px/1.5 system-ui, sans-serif; margin: 2rem; max-width: 60rem">'
        '<h1 class="pv-errors">The source has problems</h1>'
        f"<p>{len(outcome.errors)} problem(s); this page reloads as soon as they are fixed.</p>"
        f'<ul class="pv-problems">{items}</ul></body></html>'
    )


def _with_reload(document: str, version: int) -> str:
    script = _RELOAD_SCRIPT % (version, WAIT_PATH)
    at = document.rfind("</body>")
    return document + script if at < 0 else document[:at] + script + document[at:]


def _handler(live: LivePreview) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        """Gallery files, HTML with the reload script added, and the reload long-poll."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(live.output), **kwargs)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == WAIT_PATH:
                asked = parse_qs(url.query).get("version", ["-1"])[0]
                version = live.wait_for_change(int(asked) if asked.isdigit() else -1, WAIT_SECONDS)
                self._send(json.dumps({"version": version}), "application/json")
                return
            outcome = live.outcome
            is_page = url.path.endswith((".html", "/"))
            if is_page and outcome.errors:
                self._send(_with_reload(error_page(outcome), outcome.version), "text/html")
                return
            target = Path(self.translate_path(url.path))
            if target.is_dir():
                target = target / "index.html"
            if target.suffix == ".html" and target.is_file():
                page = target.read_text(encoding="utf-8")
                self._send(_with_reload(page, outcome.version), "text/html")
                return
            super().do_GET()

        def _send(self, body: str, kind: str) -> None:
            data = body.encode("utf-8")
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Requests are not worth a line on the terminal; problems are reported by rebuilds."""

    return Handler


class Server:
    """The HTTP server and the watcher thread of one live preview; `stop()` ends both."""

    def __init__(
        self,
        live: LivePreview,
        *,
        port: int,
        on_rebuild: Callable[[Outcome], None] = lambda outcome: None,
    ) -> None:
        self.live = live
        self.on_rebuild = on_rebuild
        self.httpd = ThreadingHTTPServer((HOST, port), _handler(live))
        self.httpd.daemon_threads = True
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self.httpd.serve_forever, name="pathdeck serve", daemon=True),
            threading.Thread(target=self._watch, name="pathdeck watch", daemon=True),
        ]

    @property
    def url(self) -> str:
        """Where the gallery's index is served."""
        return f"http://{HOST}:{self.httpd.server_address[1]}/"

    def start(self) -> Server:
        """Serve and watch in background threads (the gallery must have been built once)."""
        for thread in self._threads:
            thread.start()
        return self

    def _watch(self) -> None:
        seen = snapshot(self.live.source)
        while not self._stopping.wait(POLL_SECONDS):
            now = snapshot(self.live.source)
            if now != seen:
                seen = now
                self.on_rebuild(self.live.rebuild())

    def stop(self) -> None:
        """Stop watching and serving; waits for both threads."""
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
