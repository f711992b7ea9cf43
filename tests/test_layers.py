"""The core stays pure: no click, tabulate or jinja2, by import statement or at run time."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "pipecli" / "core"
FORBIDDEN = {"click", "tabulate", "jinja2"}
RENDER = CORE.parent / "render"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0] if node.level == 0 else "")
            if node.module.startswith("pipecli."):
                names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_modules_import_no_ui_library(path):
    names = imported_modules(path)
    assert not names & FORBIDDEN
    assert not any(n.startswith(("pipecli.cli", "pipecli.render")) for n in names)


@pytest.mark.parametrize("path", sorted(RENDER.glob("*.py")), ids=lambda p: p.name)
def test_render_modules_do_not_import_click(path):
    names = imported_modules(path)
    assert "click" not in names and not any(n.startswith("pipecli.cli") for n in names)


def test_importing_the_whole_core_loads_no_ui_library():
    code = (
        "import sys, pkgutil, importlib, pipecli.core as core\n"
        "for m in pkgutil.iter_modules(core.__path__): importlib.import_module('pipecli.core.' + m.name)\n"
        f"print(sorted(set(sys.modules) & {FORBIDDEN!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_template_and_preset_ships_in_the_package():
    """A plain `pip install .` must carry the report templates and import presets (package_data in setup.cfg)."""
    import configparser
    import fnmatch

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    patterns = config["options.package_data"]["pipecli"].split()
    for folder in ("templates", "presets"):
        files = [p.relative_to(ROOT / "pipecli").as_posix() for p in (ROOT / "pipecli" / folder).iterdir()]
        assert files and all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files), folder
