"""The build tools: stored-output policy, the CDN fallback config, the browser check."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from backprop_tour import reference

ROOT = Path(__file__).resolve().parents[1]
CHECK = "nbval-check-output"


def load(name, folder="tools"):
    spec = importlib.util.spec_from_file_location(name, ROOT / folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_check_notebooks_flags_unchecked_outputs_and_widget_state(tmp_path):
    check = load("check_notebooks")
    printed = new_output("stream", name="stdout", text="1\n")
    nb = new_notebook(
        cells=[
            new_code_cell("print(1)", outputs=[printed], metadata={"tags": [CHECK]}),
            new_code_cell("print(2)", outputs=[printed]),
            new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(3)"),
            new_code_cell("print(4)", metadata={"tags": ["nbval-check-outputs"]}),
        ]
    )
    nb.metadata["widgets"] = {"state": {}}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    found = check.problems(path)
    assert found == [
        "notebook metadata holds widget state",
        "cell 1 has stored outputs but is not tagged nbval-check-output",
        "cell 2 has an nbval comment marker: use a cell tag (nbval-check-output, ...)",
        "cell 3 has unknown nbval tags ['nbval-check-outputs']; expected one of "
        "['nbval-check-output', 'nbval-ignore-output', 'nbval-skip']",
    ]
    assert check.main([str(path)]) == 1


def test_refresh_strip_keeps_only_checked_outputs():
    refresh = load("refresh_outputs")
    printed = new_output("stream", name="stdout", text="1\n")
    nb = new_notebook(
        cells=[
            new_code_cell(
                "print(1)", outputs=[printed], execution_count=1, metadata={"tags": [CHECK]}
            ),
            new_code_cell("print(2)", outputs=[printed], execution_count=2),
        ]
    )
    nb.metadata["widgets"] = {"state": {}}
    out = refresh.strip(nb)
    assert out.cells[0].outputs and out.cells[0].execution_count == 1  # nbval needs the count
    assert out.cells[1].outputs == [] and out.cells[1].execution_count is None
    assert "widgets" not in out.metadata


def test_build_serves_the_offline_assets_only_when_they_are_there(tmp_path):
    """_ext/bt_book.py decides at config-inited: local copies if _assets/READY exists,
    otherwise nothing changes (Sphinx's and myst-nb's CDN defaults)."""
    book = load("bt_book", "_ext")
    assert book.local_assets(tmp_path) == {}
    (tmp_path / "_assets").mkdir()
    (tmp_path / "_assets" / "READY").write_text("{}")
    local = book.local_assets(tmp_path)
    assert local["mathjax_path"] == "vendor/mathjax/tex-chtml.js"
    assert local["html_static_path"] == ["_assets/static"]
    assert list(local["nb_ipywidgets_js"]) == [
        "vendor/require.js",
        "vendor/html-manager/embed-amd.js",
    ]

    class App:
        srcdir = str(tmp_path)

    config = {"html_static_path": ["_theme"], "html_extra_path": [], "mathjax_path": None}
    book._choose_assets(App(), config)  # added to the book's own static path, not instead
    assert config["html_static_path"] == ["_theme", "_assets/static"]
    assert config["mathjax_path"] == "vendor/mathjax/tex-chtml.js"


def test_build_reads_the_executed_notebooks_only_when_told(tmp_path, monkeypatch):
    """BACKPROP_TOUR_EXECUTED (make test): no execution, each chapter's notebook read from
    that folder, a missing one an error; unset (make book): nothing changes."""
    book = load("bt_book", "_ext")

    class Env:
        def doc2path(self, docname):
            return str(ROOT / f"{docname}.ipynb") if docname.startswith("book/") else "x.md"

    class App:
        env = Env()

    class Config:
        nb_execution_mode = "force"

    monkeypatch.delenv("BACKPROP_TOUR_EXECUTED", raising=False)
    config, source = Config(), ["as in book/"]
    book._no_execution(App(), config)
    book._read_executed(App(), "book/02_chain_rule", source)
    assert config.nb_execution_mode == "force" and source == ["as in book/"]

    (tmp_path / "02_chain_rule.ipynb").write_text("as nbval ran it")
    monkeypatch.setenv("BACKPROP_TOUR_EXECUTED", str(tmp_path))
    book._no_execution(App(), config)
    assert config.nb_execution_mode == "off"
    book._read_executed(App(), "book/02_chain_rule", source)
    assert source == ["as nbval ran it"]
    page = ["a page of text"]
    book._read_executed(App(), "glossary", page)  # not a notebook: untouched
    assert page == ["a page of text"]
    with pytest.raises(FileNotFoundError, match="has no 03_two_layer_network.ipynb"):
        book._read_executed(App(), "book/03_two_layer_network", source)


def test_book_build_on_its_own_executes_every_notebook_afresh(tmp_path):
    """make book's own path, which make test no longer takes (it builds from nbval's runs):
    with the book's _config.yml and hooks, a notebook stored with a stale output is
    executed again and the page shows the fresh one."""
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    for folder in ("_ext", "_theme"):
        (book / folder).symlink_to(ROOT / folder)
    (book / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    stale = new_output("stream", name="stdout", text="stale output 41\n")
    nb = new_notebook(cells=[new_code_cell("print('fresh output', 6 * 7)", outputs=[stale],
                                           execution_count=1)])  # fmt: skip
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, book / "page.ipynb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROP_TOUR_")}
    run = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", str(book), "-W", "-n",
         "--keep-going"],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    page = (book / "_build" / "html" / "page.html").read_text(encoding="utf-8")
    assert "fresh output 42" in page and "stale output 41" not in page


def test_nbval_save_writes_what_nbval_ran_and_nothing_for_a_failed_notebook(tmp_path):
    """tools/nbval_save.py: the notebook as this run executed it (outputs, counts, the
    widgets' state); a notebook whose check failed is not written."""
    books = tmp_path / "nbs"
    books.mkdir()
    printed = new_output("stream", name="stdout", text="42\n")
    good = new_notebook(cells=[
        new_code_cell("print(6 * 7)", outputs=[printed], execution_count=1,
                      metadata={"tags": [CHECK]}),
        new_code_cell("import ipywidgets\nipywidgets.IntSlider(value=3, description='n')"),
        new_code_cell("1 + 1"),
    ])  # fmt: skip
    bad = new_notebook(cells=[
        new_code_cell("print(6 * 7)", outputs=[new_output("stream", name="stdout", text="41\n")],
                      execution_count=1, metadata={"tags": [CHECK]}),
    ])  # fmt: skip
    nbformat.write(good, books / "good.ipynb")
    nbformat.write(bad, books / "bad.ipynb")
    out = tmp_path / "executed"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", str(books),
         "-q", "-p", "no:cacheprovider", "-p", "tools.nbval_save", "--nbval-save", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout[-2000:]  # bad.ipynb's check failed
    assert "nbval_save: bad.ipynb not written: its cell 0 failed" in run.stdout
    assert sorted(p.name for p in out.iterdir()) == ["good.ipynb"]
    saved = nbformat.read(out / "good.ipynb", as_version=4)
    assert [c.execution_count for c in saved.cells] == [1, 2, 3]
    assert saved.cells[0].outputs[0]["text"] == "42\n"
    view = saved.cells[1].outputs[0]["data"]["application/vnd.jupyter.widget-view+json"]
    assert saved.cells[2].outputs[0]["data"]["text/plain"] == "2"
    assert saved.cells[2].outputs[0]["execution_count"] == 3
    state = saved.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    slider = state[view["model_id"]]
    assert slider["model_name"] == "IntSliderModel" and slider["state"]["value"] == 3


def test_config_sets_no_key_twice():
    """YAML keeps the last of two equal keys without a word: _config.yml must not rely on it."""
    import yaml

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader, node):
        keys = [loader.construct_object(k) for k, _ in node.value]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        assert not twice, f"_config.yml line {node.start_mark.line + 1}: keys set twice: {twice}"
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    config = yaml.load((ROOT / "_config.yml").read_text(), Loader=Strict)
    assert config["sphinx"]["config"]["html_static_path"] == ["_theme"]
    assert "mathjax_path" not in config["sphinx"]["config"]  # the extension's decision


def test_lab_copy_never_overwrites_and_restore_puts_back(tmp_path):
    lab_copy = load("lab_copy")
    book, lab = tmp_path / "book", tmp_path / "lab"
    book.mkdir()
    (book / "01_a.ipynb").write_text("book 1")
    (book / "02_b.ipynb").write_text("book 2")
    assert lab_copy.ensure(book, lab) == []
    assert (lab / "01_a.ipynb").read_text() == "book 1"
    (lab / "01_a.ipynb").write_text("reader's edits")
    lab_copy.ensure(book, lab)
    assert (lab / "01_a.ipynb").read_text() == "reader's edits"  # never overwritten
    lab_copy.restore("01_a", book, lab)
    assert (lab / "01_a.ipynb").read_text() == "book 1"
    (lab / "02_b.ipynb").write_text("edited")
    lab_copy.restore("all", book, lab)
    assert (lab / "02_b.ipynb").read_text() == "book 2"
    with pytest.raises(SystemExit, match="no chapter '03_c'; expected one of: 01_a, 02_b"):
        lab_copy.restore("03_c", book, lab)


def test_lab_copy_names_copies_older_than_the_book(tmp_path):
    lab_copy = load("lab_copy")
    book, lab = tmp_path / "book", tmp_path / "lab"
    book.mkdir()
    (book / "01_a.ipynb").write_text("v1")
    lab_copy.ensure(book, lab)
    (book / "01_a.ipynb").write_text("v2")
    os.utime(lab / "01_a.ipynb", (1, 1))  # the copy is older
    (note,) = lab_copy.ensure(book, lab)
    assert "make restore CHAPTER=01_a" in note
    assert (lab / "01_a.ipynb").read_text() == "v1"


def test_lab_dir_is_ignored_by_git():
    """The reader's working copy, lab/ at the top, is ignored, and no other folder named
    lab (unanchored, the pattern once hid a tools/lab/ folder from a commit)."""
    lines = (ROOT / ".gitignore").read_text().splitlines()
    assert "/lab/" in lines
    assert "lab/" not in lines


def test_benchmark_verdict_needs_both_readings_under_the_bar():
    bench = load("compare_torch", "benchmarks")
    assert bench.verdict(0.70, [0.60, 0.74, 0.90]) == "meets 0.75x"  # median 0.74
    assert bench.verdict(0.75, [0.75]) == "meets 0.75x"  # "at most": the bar itself passes
    assert bench.verdict(0.70, [0.70, 0.80, 0.90]) == "0.75x by one reading only"
    assert bench.verdict(0.80, [0.60, 0.70, 0.72]) == "0.75x by one reading only"
    assert bench.verdict(0.80, [0.76, 0.90]) == "misses 0.75x"
    # judged as printed (three decimals), so the verdict agrees with the figure beside it
    assert bench.verdict(0.7504, [0.7504]) == "meets 0.75x"  # printed 0.750
    assert bench.verdict(0.7540, [0.70]) == "0.75x by one reading only"  # printed 0.754


def test_benchmark_epoch_line_prints_the_figures_its_verdict_judges():
    bench = load("compare_torch", "benchmarks")
    at_bar = bench.epoch_line("fit", 1, [0.30, 0.30, 0.30], [0.40, 0.40, 0.40], "PyTorch's", 0.75)
    assert "0.300 s = 0.750x PyTorch's (per round: 0.750x" in at_bar
    assert at_bar.endswith("meets 0.75x")
    over = bench.epoch_line("fit", 2, [0.3016], [0.40], "PyTorch's", 0.75)  # 0.754
    assert "= 0.754x" in over and over.endswith("misses 0.75x")
    # the loop with the image gradient has its own bar, against PyTorch computing it too
    assert bench.BAR_IMAGE_GRAD == 0.85
    grad = bench.epoch_line("plain", 1, [0.33], [0.40], "that time", bench.BAR_IMAGE_GRAD)
    assert grad.endswith("meets 0.85x")  # 0.825: over 0.75 but within its own bar
    # against PyTorch's epoch without it, no bar at all: that comparison is not like for like
    unlike = bench.epoch_line("plain", 1, [0.33], [0.40], "PyTorch's time", None)
    assert unlike.endswith("(not like for like)") and "0.75x" not in unlike


def test_benchmark_noise_line_says_when_one_run_cannot_settle_the_bar():
    bench = load("compare_torch", "benchmarks")
    assert bench.noise_line([0.30, 0.31, 0.32]).endswith("(1.1-fold)")  # quiet: no warning
    assert "the machine is noisy" in bench.noise_line([0.20, 0.30, 0.40])  # 2-fold
    assert "too few rounds" in bench.noise_line([0.30])  # one round measures no noise
    assert "too few rounds" in bench.noise_line([0.30, 0.30])


def test_benchmark_layer_table_never_times_a_layer_in_a_batch_that_did_extra_work():
    # The Conv2D backward with the input gradient is timed in epochs of its own, as a
    # training loop runs it, not repeated on the arrays the backward without it just left
    # in cache.  No batch may run both kinds.
    bench = load("bench_cnn", "benchmarks")
    calls = []  # for every Conv2D backward, in order: True if it returned dx
    real_new_model = bench.new_model

    def recording_model():
        model, loss, opt = real_new_model()
        first = model.layers[0]
        real_backward, real_backward_params = first.backward, first.backward_params

        def backward(dout):
            calls.append(True)
            return real_backward(dout)

        def backward_params(dout):
            calls.append(False)
            return real_backward_params(dout)

        first.backward, first.backward_params = backward, backward_params
        return model, loss, opt

    bench.new_model = recording_model
    x, y = bench.load_mnist_split(seed=0)[:2]
    rows = bench.layer_table(x[:64], y[:64], epochs=4)  # 2 batches an epoch
    assert calls == [False, False, True, True, False, False, True, True]
    names = [name for name, _, _ in rows]
    assert names[0].endswith("(no dx)") and names[1].endswith("(with dx)")
    assert all(f > 0 and b > 0 for _, f, b in rows[2:-2])  # each forward and backward timed
    with pytest.raises(ValueError, match="epochs >= 2"):
        bench.layer_table(x[:64], y[:64], epochs=1)


@pytest.mark.parametrize("f_out, c_in, kh, kw", [(2, 1, 5, 5), (3, 2, 3, 4)])
def test_benchmark_input_grad_ways_all_compute_the_loop_references_dx(f_out, c_in, kh, kw):
    # The timings compare like with like only if every way computes the same gradient.
    bench = load("bench_input_grad", "benchmarks")
    rng = np.random.default_rng(5)
    w = rng.standard_normal((f_out, c_in, kh, kw))
    dout = rng.standard_normal((3, f_out, 6, 7))
    x = np.zeros((3, c_in, 6 + kh - 1, 7 + kw - 1))
    expected, _, _ = reference.conv2d_backward_loops(x, w, dout)
    assert len(bench.WAYS) == 5
    for name, way in bench.WAYS.items():
        np.testing.assert_allclose(way(dout, w), expected, atol=1e-12, err_msg=name)
    assert bench.useful_madds(dout, w) == 3 * f_out * c_in * 6 * 7 * kh * kw


def test_benchmark_input_grad_prints_every_way_and_the_floor(monkeypatch, capsys):
    bench = load("bench_input_grad", "benchmarks")
    monkeypatch.setattr(sys, "argv", ["bench_input_grad.py", "--number", "1"])
    bench.main()
    out = capsys.readouterr().out
    assert "0.92 M useful multiply-adds" in out  # 32 * 2 * 24 * 24 * 25
    for name in [*bench.WAYS, "floor: useful work"]:
        assert name in out


# -- tools/chromium.py: run, skip or fail the stages that need a browser ----------------


def fake_chromium(tmp_path, exit_code: int) -> str:
    """An executable standing in for Chromium that exits with ``exit_code``."""
    path = tmp_path / f"chromium-{exit_code}"
    path.write_text(f"#!/bin/sh\necho 'cannot open display' >&2\nexit {exit_code}\n")
    path.chmod(0o755)
    return str(path)


def test_chromium_decides_run_skip_or_fail():
    chromium = load("chromium")
    assert chromium.decide(["browser", "live"], None, ci=False) == (chromium.RUN, [])
    assert chromium.decide(["browser"], None, ci=True) == (chromium.RUN, [])
    code, lines = chromium.decide(["browser", "live"], "no Chromium at /x", ci=False)
    assert code == chromium.SKIP == 3
    assert len(lines) == 2, f"expected one line per skipped stage, got {lines}"
    assert lines[0].startswith("== SKIPPED the browser tests") and "make live" in lines[1]
    assert all("no Chromium at /x" in line and "apt-get install chromium" in line for line in lines)
    code, lines = chromium.decide(["pdf"], "no Chromium at /x", ci=True)
    assert code == chromium.ERROR == 1
    assert lines[0].startswith("== FAILED the PDF") and "CI" in lines[0]


def test_chromium_finds_absent_broken_and_working_browsers(tmp_path, monkeypatch):
    chromium = load("chromium")
    assert chromium.missing_browser(str(tmp_path / "nowhere")) == (
        f"no Chromium at {tmp_path / 'nowhere'}"
    )
    broken = chromium.missing_browser(fake_chromium(tmp_path, 1))
    assert broken is not None and "does not start (exit code 1: cannot open display)" in broken
    assert chromium.missing_browser(fake_chromium(tmp_path, 0)) is None
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import now fails
    assert "playwright" in chromium.missing_browser(fake_chromium(tmp_path, 0))


@pytest.mark.parametrize("ci", ["", "true"])
def test_chromium_main_exit_codes(tmp_path, monkeypatch, capsys, ci):
    chromium = load("chromium")
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("BACKPROP_TOUR_CHROMIUM", str(tmp_path / "nowhere"))
    assert chromium.main(["pdf"]) == (chromium.ERROR if ci else chromium.SKIP)
    out, err = capsys.readouterr()
    assert len((err if ci else out).splitlines()) == 1, (out, err)
    monkeypatch.setenv("BACKPROP_TOUR_CHROMIUM", fake_chromium(tmp_path, 0))
    assert chromium.main(["pdf"]) == chromium.RUN
    assert capsys.readouterr() == ("", "")


def run_make(*args, ci: str = "", chromium: str) -> subprocess.CompletedProcess:
    """``make`` in the repository without a browser; the venv is taken as installed (-o)
    so that nothing is reinstalled."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    env.update(CI=ci, BACKPROP_TOUR_CHROMIUM=chromium)
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "-o", "assets", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_without_a_browser_skips_its_stages_outside_ci_and_fails_in_ci(tmp_path):
    absent = str(tmp_path / "nowhere")
    run = run_make("test", "STAGES=browser printed live", chromium=absent)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("== SKIPPED") for line in lines[:3]), lines
    assert lines[-1].endswith("SKIPPED (no working Chromium): browser printed live"), lines[-1]
    run = run_make("pdf", chromium=absent)
    assert (run.returncode, run.stderr) == (0, ""), run.stderr
    assert run.stdout.startswith("== SKIPPED the PDF") and run.stdout.count("\n") == 1
    run = run_make("test", "STAGES=browser printed live", ci="true", chromium=absent)
    assert run.returncode != 0 and "FAILED" in run.stderr, run.stdout + run.stderr
    assert "all tests passed" not in run.stdout
