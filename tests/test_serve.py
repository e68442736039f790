"""pathdeck serve: a live preview on 127.0.0.1 that re-renders only what changed (the page in
headless Chromium is tested in test_browser.py, beside the other browser tests)."""

from __future__ import annotations

import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathdeck.tools.serve import HOST, LivePreview, Server

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.anki

E61 = "stage-06-the-therapeutic-alliance/e6-1-alliance-foundations.yaml"


@pytest.fixture
def live(tmp_path: Path) -> LivePreview:
    """The live preview of a copy of decks/, built once."""
    source = tmp_path / "decks"
    shutil.copytree(REPO / "decks", source)
    preview = LivePreview(source, tmp_path / "gallery")
    assert preview.rebuild().errors == ()
    return preview


@pytest.fixture
def served(live: LivePreview) -> Iterator[Server]:
    """The live preview served and watched on a free port, stopped after the test."""
    server = Server(live, port=0).start()
    yield server
    server.stop()


def edit(live: LivePreview, old: str, new: str) -> None:
    """Change the concept file as an editor would, in place."""
    path = live.source / E61
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_server_listens_on_this_machine_only(served: Server) -> None:
    """The server is bound to 127.0.0.1, never to every interface."""
    assert served.httpd.server_address[0] == HOST == "127.0.0.1"


def test_served_pages_reload_but_files_on_disk_do_not(served: Server) -> None:
    """The reload script is added to pages as served; the gallery's files stay as preview writes."""
    with urllib.request.urlopen(served.url, timeout=5) as response:
        page = response.read().decode("utf-8")
    assert "/__pathdeck/wait" in page
    assert "/__pathdeck/wait" not in (served.live.output / "index.html").read_text(encoding="utf-8")


def test_a_rebuild_renders_only_the_notes_that_changed(live: LivePreview) -> None:
    """Editing one pitfall re-renders that one note; the other cards come from the cache."""
    assert live.outcome.rendered == 19
    cards = (live.output / "index.html").read_text(encoding="utf-8").count('<li><a href="cards/')
    edit(live, "Assuming alliance because", "Presuming alliance because")
    outcome = live.rebuild()
    assert (outcome.errors, outcome.rendered) == ((), 1)
    index = (live.output / "index.html").read_text(encoding="utf-8")
    assert index.count('<li><a href="cards/') == cards > 19  # every card is still in the gallery


def test_the_serve_command_serves_opens_and_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pathdeck serve --open` builds the preview, says where it serves, opens that URL in a
    browser, and stops cleanly on Ctrl-C."""
    import webbrowser

    from cli_support import invoke
    from pathdeck.cli import inspect

    source = tmp_path / "decks"
    shutil.copytree(REPO / "decks", source)
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", opened.append)

    def ctrl_c() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(inspect, "_wait_for_ctrl_c", ctrl_c)
    result = invoke("serve", str(source), "--port", "0", "--open")
    assert result.exit_code == 0, result.output
    assert len(opened) == 1
    assert opened[0].startswith("http://127.0.0.1:")
    assert f"pathdeck: serving {source} at {opened[0]}" in result.stderr
    assert "pathdeck: stopped serving" in result.stderr
