"""The second way readers use the book: the chapters in a live JupyterLab.

A JupyterLab server is started from this venv, headless, on 127.0.0.1 with a token, over a
temporary copy of the chapters (the tracked notebooks are never opened, so autosave cannot
touch them).  JupyterLab is loaded once per server (``?reset``: no tabs restored from an
earlier workspace) and each chapter is opened in it in turn, as a reader opens the next
notebook from the file browser.  For each chapter the server starts its kernel, the page
opens the notebook, waits until it is connected to that kernel, runs all cells, and checks
that every cell ran without an error, that every text cell is rendered as MyST
(jupyterlab-myst: admonitions, dropdowns, math, roles), that each slider moved with the
keyboard redraws its figure in Python within a few seconds, that each animation's player
appears, and that nothing was fetched from off the machine.  Every wait is bounded: a
broken chapter fails, it does not hang.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from book_toc import notebooks

from conftest import ROOT, guard

SCREENSHOTS = ROOT / "_build" / "screenshots"
# The notebook pages of _toc.yml, the slowest to run first: `make live` spreads them over
# two JupyterLab servers, and chapter 6 (it trains the CNN three times) started last would
# leave one server idle while the other runs it alone.
SLOWEST = ("06_putting_it_together", "07_autodiff_engine", "03_two_layer_network")
CHAPTERS = sorted(notebooks(), key=lambda p: SLOWEST.index(p.stem) if p.stem in SLOWEST else 99)
RUN_ALL_TIMEOUT_MS = 240_000  # chapter 6 trains a CNN for 15 epochs
REDRAW_TIMEOUT_MS = 5_000

# A cell is done when its prompt shows a number; "[*]:" while it runs, "[ ]:" before.
CELLS_STATE_JS = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .map(e => e.textContent.trim());
  const errors = [...document.querySelectorAll(
      '.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map(e => e.textContent).filter(t => /Traceback|Error\\b/.test(t));
  return {prompts, errors};
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Every markdown cell as JupyterLab shows it: rendered by jupyterlab-myst (a ".myst"
# widget, where JupyterLab's own renderer makes a ".jp-RenderedMarkdown" that leaves
# MyST's admonitions as code blocks), and any MyST syntax left raw in what it shows.
MARKDOWN_JS = """() => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-MarkdownCell')];
  const shown = cells.map(c => c.querySelector('.jp-InputArea > .myst'));
  const raw = /:class:|\\{(admonition|term|ref|doc|eq|numref)\\}|\\$\\$|```/;
  return {cells: cells.length, myst: shown.filter(Boolean).length,
          raw: shown.filter(m => m && raw.test(m.innerText)).map(m => m.innerText.slice(0, 80))};
}"""


def _expected(path: Path) -> tuple[int, int, int]:
    """How many text cells the chapter has, and how many sliders and animations its code
    creates (one call per cell: `slider(...)`, and `animate(...)` or one of the viz
    helpers `*_animation(...)`)."""
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    sliders = sum(bool(re.search(r"\bslider\(", s)) for s in code)
    animations = sum(bool(re.search(r"\b(animate|\w+_animation)\(", s)) for s in code)
    return sum(c.cell_type == "markdown" for c in nb.cells), sliders, animations


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of the chapters; stopped (with its kernels) after.

    A subprocess, not pytest-jupyter's ``jp_serverapp``: that fixture runs the server in
    the test's own asyncio loop, which the synchronous Playwright calls below would block
    for as long as a chapter runs; a separate process answers while the browser waits."""
    root = tmp_path_factory.mktemp("live-lab")
    notebooks = root / "notebooks"
    notebooks.mkdir()
    for path in CHAPTERS:
        shutil.copy2(path, notebooks / path.name)
    config = root / "config"
    config.mkdir()
    # no news feed or update check: nothing leaves the machine
    lab_config = {
        "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}
    }
    for name in ("jupyter_server_config.json", "jupyter_lab_config.json"):
        (config / name).write_text(json.dumps(lab_config))
    # render every cell (JupyterLab 4 otherwise detaches cells scrolled out of view)
    tracker = root / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), os.urandom(16).hex()
    env = {k: v for k, v in os.environ.items()  # live sliders, in the kernels too
           if k not in ("BACKPROP_TOUR_STATIC", "BACKPROP_TOUR_PRINT")}  # fmt: skip
    # a live slider also draws its first, default and last value (viz.sliders)
    env.update(BACKPROP_TOUR_SELFTEST="1", JUPYTER_CONFIG_DIR=str(config),
               JUPYTER_RUNTIME_DIR=str(root / "runtime"))  # fmt: skip
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
        f"--LabApp.user_settings_dir={root / 'settings'}",
        f"--LabApp.workspaces_dir={root / 'workspaces'}",
        # window.jupyterapp: the page opens and closes notebooks with JupyterLab's commands
        "--LabApp.expose_app_in_browser=True",
    ]  # fmt: skip
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(root / "server.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited ({proc.returncode}):\n{_tail(root / 'server.log')}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer in 90 s:\n{_tail(root / 'server.log')}")
            time.sleep(0.5)
        yield {"url": url, "token": token, "log": root / "server.log"}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def _tail(path: Path, n: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-n:])


@pytest.fixture(scope="module")
def lab_page(browser):
    """One JupyterLab page for the module's chapters (loading JupyterLab took about 5 s of
    each chapter's test when every chapter had a page of its own)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = guard(context.new_page(), local_schemes=("data:", "blob:"))
    page.set_default_timeout(30_000)
    yield page
    context.close()


# Open the notebook ``path``, then close everything else in the main area without saving
# (its outputs are this run's, in a temporary copy) and without a dialog; the main area is
# never empty (so no Launcher opens) and the notebook is the current widget, which Run >
# Run All Cells acts on.
OPEN_JS = """async (path) => {
  const app = window.jupyterapp;
  const before = [...app.shell.widgets('main')];
  const widget = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  for (const w of before) {
    if (w === widget) continue;
    if (w.context) { w.context.model.dirty = false; }
    w.dispose();
  }
  app.shell.activateById(widget.id);
  return widget.id;
}"""


def _open_notebook(lab, page, name: str) -> None:
    """Show notebook ``name`` in the page: JupyterLab is loaded the first time (or again,
    should an earlier chapter have left it unusable); after that the notebook is opened
    with JupyterLab's own command and the previous one closed."""
    page.off_machine.clear()
    loaded = page.url.startswith(f"{lab['url']}/lab") and page.evaluate(
        "() => !!(window.jupyterapp && window.jupyterapp.shell)"
    )
    if loaded:
        try:
            page.evaluate(OPEN_JS, name)
            return
        except Exception:  # a dialog or a broken shell left by a failed chapter: reload
            pass
    page.goto(f"{lab['url']}/lab/tree/{name}?reset&token={lab['token']}")


def _end_session(lab, name: str) -> None:
    """Shut down the kernel of notebook ``name`` (its chapter is done)."""
    for s in _api(lab, "sessions"):
        if s["path"] == name:
            request = urllib.request.Request(
                f"{lab['url']}/api/sessions/{s['id']}?token={lab['token']}", method="DELETE"
            )
            urllib.request.urlopen(request, timeout=30).close()


def _api(lab, path: str, body: dict | None = None):
    """The server's REST API: GET ``path``, or POST ``body`` as JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{lab['url']}/api/{path}?token={lab['token']}", data=data,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.load(r)


def _start_kernel(lab, name: str) -> None:
    """Start the kernel of notebook ``name`` on the server, as a session for that path, so
    that JupyterLab, opening the notebook, connects to it instead of asking which kernel
    to start (its "Select Kernel" dialog came up at a time that varied with the load,
    sometimes after the toolbar already read "idle", and a Run All given then ran nothing)."""
    _api(lab, "sessions", {"path": name, "name": name, "type": "notebook",
                           "kernel": {"name": "python3"}})  # fmt: skip


def _wait_for_connected_kernel(lab, page, name: str, timeout: float = 60) -> None:
    """Until the server reports the kernel of notebook ``name`` idle and connected to the
    page (on failure, a screenshot of ``page`` shows why)."""
    deadline = time.monotonic() + timeout
    while True:
        kernels = [s["kernel"] for s in _api(lab, "sessions") if s["path"] == name]
        if any(k["execution_state"] == "idle" and k["connections"] > 0 for k in kernels):
            return
        if time.monotonic() > deadline:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOTS / f"live-{Path(name).stem}.png"
            page.screenshot(path=str(shot))
            pytest.fail(f"{name}: no idle kernel connected after {timeout:.0f} s "
                        f"(kernels: {kernels}; {shot})")  # fmt: skip
        # (Playwright's wait, not time.sleep: the guard's route handler answers the page's
        # requests only while a Playwright call runs, so a sleep would stall the page)
        page.wait_for_timeout(250)


def _run_all(page) -> dict:
    """Run > Run All Cells, then wait until every cell has run, one raised (JupyterLab stops
    there), or nothing has changed for a while with no cell running."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    deadline = time.monotonic() + RUN_ALL_TIMEOUT_MS / 1000
    last, last_change = None, time.monotonic()
    while True:
        state = page.evaluate(CELLS_STATE_JS)
        if state["prompts"] != last:
            last, last_change = state["prompts"], time.monotonic()
        numbered = all(re.fullmatch(r"\[\d+\]:", p) for p in state["prompts"])
        running = any("*" in p for p in state["prompts"])
        if state["prompts"] and not running and (numbered or state["errors"]):
            return state
        if time.monotonic() > deadline or (not running and time.monotonic() - last_change > 20):
            return state
        page.wait_for_timeout(500)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_runs_live(lab, lab_page, path):
    page = lab_page
    _start_kernel(lab, path.name)
    _open_notebook(lab, page, path.name)
    try:
        _check_chapter(lab, page, path)
    finally:
        _end_session(lab, path.name)


def _check_chapter(lab, page, path: Path) -> None:
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-CodeCell", timeout=60_000)
    # the notebook's kernel must be up before "Run All": the server reports it idle with
    # the page connected to it, and the toolbar shows it idle
    _wait_for_connected_kernel(lab, page, path.name)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)

    state = _run_all(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"live-{path.stem}.png"), full_page=False)
    assert not state["errors"], f"{path.name}: a cell raised:\n{state['errors'][0][-2000:]}"
    not_run = [i for i, p in enumerate(state["prompts"]) if not re.fullmatch(r"\[\d+\]:", p)]
    assert not not_run, (
        f"{path.name}: code cells {not_run} did not finish within "
        f"{RUN_ALL_TIMEOUT_MS // 1000} s (prompts {[state['prompts'][i] for i in not_run]})"
    )

    n_markdown, n_sliders, n_animations = _expected(path)
    text = page.evaluate(MARKDOWN_JS)
    assert text["cells"] == n_markdown and text["myst"] == n_markdown, (
        f"{path.name}: {text['myst']} of {n_markdown} text cells rendered as MyST "
        f"({text['cells']} shown; is jupyterlab-myst installed and enabled?)"
    )
    assert not text["raw"], f"{path.name}: MyST syntax shown raw: {text['raw'][:3]}"

    sliders = page.locator(".jp-OutputArea-output .widget-slider")
    assert sliders.count() == n_sliders, (
        f"{path.name}: {n_sliders} sliders created but {sliders.count()} rendered "
        "(is the widget manager, jupyterlab_widgets, installed?)"
    )
    for i in range(n_sliders):
        box = sliders.nth(i).locator("xpath=ancestor::*[contains(@class,'widget-vbox')][1]")
        picture = box.locator("div.bt-frame").first
        picture.wait_for(state="attached", timeout=REDRAW_TIMEOUT_MS)
        before = picture.get_attribute("aria-label") + picture.inner_html()[-400:]
        handle = sliders.nth(i).locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        at_start = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemin")
        page.keyboard.press("ArrowRight" if at_start else "ArrowLeft")
        try:
            # the figure is a new SVG each time Python redraws: look it up afresh
            page.wait_for_function(
                """([box, before]) => {
                  const p = box.querySelector('div.bt-frame');
                  return p && p.getAttribute('aria-label') + p.innerHTML.slice(-400) !== before;
                }""",
                arg=[box.element_handle(), before],
                timeout=REDRAW_TIMEOUT_MS,
            )
        except Exception as err:  # playwright's TimeoutError
            raise AssertionError(
                f"{path.name}: slider {i} moved but its figure did not change within "
                f"{REDRAW_TIMEOUT_MS / 1000:.0f} s (did its callback raise? server log:\n"
                f"{_tail(lab['log'], 15)})"
            ) from err

    players = page.locator(".jp-OutputArea-output figure.bt-animation")
    assert players.count() == n_animations, (
        f"{path.name}: {n_animations} animations created but {players.count()} players shown"
    )
    for i in range(n_animations):  # its script ran: the frame counter reads "1 / n"
        player = players.nth(i)
        assert player.locator(".bt-frame:not([hidden]) svg").count() == 1, (
            f"{path.name}: animation {i}'s player shows no frame"
        )
        player.get_by_role("button", name="Next frame").click()
        assert player.locator("output").inner_text().startswith("2 / "), (
            f"{path.name}: animation {i}'s player did not step (did its script run?)"
        )
    assert not page.off_machine, f"{path.name} tried to reach the network: {page.off_machine}"
    # the venv's JupyterLab settings (tools/jupyterlab_overrides.json): no offer to fetch news
    asked = page.get_by_text("notified about official Jupyter news").count()
    assert not asked, "JupyterLab asks to fetch Jupyter's news (is overrides.json installed?)"
