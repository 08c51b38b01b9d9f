"""The build tools: stored-output policy and the CDN fallback config."""

import importlib.util
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_check_notebooks_flags_unchecked_outputs_and_widget_state(tmp_path):
    check = load("check_notebooks")
    printed = new_output("stream", name="stdout", text="1\n")
    nb = new_notebook(
        cells=[
            new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)", outputs=[printed]),
            new_code_cell("print(2)", outputs=[printed]),
        ]
    )
    nb.metadata["widgets"] = {"state": {}}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    found = check.problems(path)
    assert found == [
        "notebook metadata holds widget state",
        "cell 1 has stored outputs but is not a # NBVAL_CHECK_OUTPUT cell",
    ]
    assert check.main([str(path)]) == 1


def test_refresh_strip_keeps_only_checked_outputs():
    refresh = load("refresh_outputs")
    printed = new_output("stream", name="stdout", text="1\n")
    nb = new_notebook(
        cells=[
            new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)", outputs=[printed], execution_count=1),
            new_code_cell("print(2)", outputs=[printed], execution_count=2),
        ]
    )
    nb.metadata["widgets"] = {"state": {}}
    out = refresh.strip(nb)
    assert out.cells[0].outputs and out.cells[0].execution_count == 1  # nbval needs the count
    assert out.cells[1].outputs == [] and out.cells[1].execution_count is None
    assert "widgets" not in out.metadata


def test_cdn_fallback_config_drops_only_the_local_asset_block(tmp_path, monkeypatch):
    fetch = load("fetch_assets")
    monkeypatch.setattr(fetch, "CDN_CONFIG", tmp_path / "cdn.yml")
    fetch.write_cdn_config()
    text = (tmp_path / "cdn.yml").read_text()
    assert "vendor/" not in text and "nb_ipywidgets_js" not in text and "mathjax_path" not in text
    assert "widgets-mathjax-shim.js" in text and "execute_notebooks: force" in text
    original = (ROOT / "_config.yml").read_text()
    assert "vendor/mathjax/tex-chtml.js" in original
