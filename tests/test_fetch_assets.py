"""tools/npm/: the offline assets' versions, pinned in package.json and locked with every
dependency in package-lock.json, which `npm ci` (tools/fetch_assets.py) installs exactly."""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import fetch_assets  # noqa: E402

MANIFEST = json.loads((ROOT / "tools" / "npm" / "package.json").read_text())
LOCK = json.loads((ROOT / "tools" / "npm" / "package-lock.json").read_text())


def test_every_package_is_pinned_to_one_version():
    for name, version in MANIFEST["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name}: {version} is a range"


def test_the_lockfile_locks_what_package_json_asks_for():
    assert LOCK["packages"][""]["dependencies"] == MANIFEST["dependencies"]
    for name, version in MANIFEST["dependencies"].items():
        locked = LOCK["packages"][f"node_modules/{name}"]
        assert locked["version"] == version and locked["integrity"].startswith("sha512-")


def test_every_file_the_book_copies_comes_from_a_package_it_names():
    for source, _ in fetch_assets.COPIES:
        top = "/".join(source.split("/")[:2]) if source.startswith("@") else source.split("/")[0]
        assert top in MANIFEST["dependencies"], source


def test_the_stamp_follows_the_lockfile(tmp_path, monkeypatch):
    before = fetch_assets.stamp()
    changed = json.loads(json.dumps(LOCK))
    changed["packages"]["node_modules/mathjax"]["version"] = "3.2.1"
    (tmp_path / "package-lock.json").write_text(json.dumps(changed))
    monkeypatch.setattr(fetch_assets, "MANIFEST", tmp_path)
    assert fetch_assets.stamp() != before
