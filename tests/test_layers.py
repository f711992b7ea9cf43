"""The layers hold: the core is pure (no click, tabulate or jinja2), each core subpackage imports only the
ones below it (docs/architecture.md draws them), render never imports cli, and no module reaches into
another module's private (`_name`) names."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipecli"
CORE = PACKAGE / "core"
FORBIDDEN = {"click", "tabulate", "jinja2"}
RENDER = PACKAGE / "render"

# What each part of the core may import, lowest first. "base" is the few modules directly under
# core/ (errors, names, problems), which everything may use. A part may import itself.
BASE = {"base"}
ALLOWED = {
    "base": set(),
    "fileformat": BASE,
    "model": BASE | {"fileformat"},
    "store": BASE | {"fileformat", "model"},
    "workflow": BASE | {"fileformat", "model"},
    "importing": BASE | {"fileformat", "model", "workflow"},
    "mail": BASE | {"fileformat", "model", "workflow"},
    "gitsync": BASE | {"fileformat", "model", "store"},
    "reports": BASE | {"fileformat", "model", "workflow", "gitsync"},
}


def modules_on_disk() -> dict[str, str]:
    """Every module of pipecli by dotted name, with its source."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path.read_text(encoding="utf-8")
    return found


def _is_package(name: str, modules: dict[str, str]) -> bool:
    return any(other.startswith(name + ".") for other in modules)


def imports(name: str, source: str, modules: dict[str, str]) -> list[tuple[str, list[str]]]:
    """(module imported, names taken from it) for every import statement, relative ones resolved,
    lazy ones (inside functions, or under TYPE_CHECKING) included."""
    package = name if _is_package(name, modules) else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                # `from pipecli.core.fileformat import dealfile` imports a module, not a name of the package
                if f"{base}.{alias.name}" in modules:
                    found.append((f"{base}.{alias.name}", []))
                else:
                    found.append((base, [alias.name]))
    return found


def part_of(module: str) -> str | None:
    """The core part a pipecli.core module belongs to ('model', 'base', ...), None outside the core."""
    parts = module.split(".")
    if parts[:2] != ["pipecli", "core"] or len(parts) < 3:
        return None
    return parts[2] if parts[2] in ALLOWED else "base"


def layer_violations(modules: dict[str, str]) -> list[str]:
    """Every import that breaks a layer rule, as 'A imports B: why'."""
    found = []
    for name, source in modules.items():
        mine = part_of(name)
        aliases = {}
        for imported, names in imports(name, source, modules):
            if not imported.startswith("pipecli"):
                continue
            theirs = part_of(imported)
            if mine is not None and theirs is None and imported != "pipecli" and imported != "pipecli.core":
                found.append(f"{name} imports {imported}: the core never imports render or cli")
            elif mine is not None and theirs is not None and theirs != mine and theirs not in ALLOWED[mine]:
                allowed = ", ".join(sorted(ALLOWED[mine])) or "nothing"
                found.append(f"{name} imports {imported}: {mine} may import only {allowed}")
            elif name.startswith("pipecli.render") and imported.startswith("pipecli.cli"):
                found.append(f"{name} imports {imported}: render never imports cli")
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and imported != name:
                found.append(f"{name} imports {imported}: private name{'s' if len(private) > 1 else ''} "
                             f"{', '.join(private)}")
            if imported in modules and not names:
                aliases[imported.rpartition(".")[2]] = imported
        # module._private, through a module imported by name, under its own name or another
        # (`from pipecli.core.fileformat import dealfile as d`, `import pipecli.core.fileformat.dealfile as d`)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    full = alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
                    if alias.asname and full in modules:
                        aliases[alias.asname] = full
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                found.append(f"{name} imports {aliases[node.value.id]}: private name {node.attr}")
    return sorted(set(found))


def test_each_core_part_imports_only_the_parts_below_it():
    assert layer_violations(modules_on_disk()) == []


def test_every_core_module_belongs_to_a_part_the_rule_knows():
    loose = sorted(name for name in modules_on_disk() if part_of(name) == "base" and name.count(".") > 2)
    assert loose == []
    base = sorted(name for name in modules_on_disk() if part_of(name) == "base")
    assert base == ["pipecli.core.errors", "pipecli.core.names", "pipecli.core.problems"]


@pytest.mark.parametrize(("planted", "source", "message"), [
    ("pipecli.core.workflow.planted", "from pipecli.core.store.workspace import Workspace\n",
     "pipecli.core.workflow.planted imports pipecli.core.store.workspace: workflow may import only "
     "base, fileformat, model"),
    ("pipecli.core.fileformat.planted", "def f():\n    from pipecli.core.model import deal\n",
     "pipecli.core.fileformat.planted imports pipecli.core.model.deal: fileformat may import only base"),
    ("pipecli.core.model.planted", "from ..gitsync.repo import Git\n",
     "pipecli.core.model.planted imports pipecli.core.gitsync.repo: model may import only base, fileformat"),
    ("pipecli.core.reports.planted", "from pipecli.render.money import money\n",
     "pipecli.core.reports.planted imports pipecli.render.money: the core never imports render or cli"),
    ("pipecli.render.planted", "import pipecli.cli.output\n",
     "pipecli.render.planted imports pipecli.cli.output: render never imports cli"),
    ("pipecli.core.store.planted", "from pipecli.core.fileformat.dealfile import _split\n",
     "pipecli.core.store.planted imports pipecli.core.fileformat.dealfile: private name _split"),
    ("pipecli.cli.planted", "from pipecli.core.fileformat import dealfile\ndealfile._split('x')\n",
     "pipecli.cli.planted imports pipecli.core.fileformat.dealfile: private name _split"),
    ("pipecli.cli.planted", "from pipecli.core.fileformat import dealfile as d\nd._split('x')\n",
     "pipecli.cli.planted imports pipecli.core.fileformat.dealfile: private name _split"),
    ("pipecli.cli.planted", "import pipecli.core.fileformat.dealfile as d\nd._split('x')\n",
     "pipecli.cli.planted imports pipecli.core.fileformat.dealfile: private name _split"),
])
def test_a_planted_violation_is_found_and_names_both_modules(planted, source, message):
    modules = modules_on_disk()
    modules[planted] = source
    assert layer_violations(modules) == [message]


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.relative_to(CORE).as_posix())
def test_core_modules_import_no_ui_library(path):
    top = {imported.split(".")[0] for imported, _ in imports("pipecli.core.x", path.read_text(encoding="utf-8"), {})}
    assert not top & FORBIDDEN


@pytest.mark.parametrize("path", sorted(RENDER.glob("*.py")), ids=lambda p: p.name)
def test_render_modules_do_not_import_click(path):
    top = {imported.split(".")[0] for imported, _ in imports("pipecli.render.x", path.read_text(encoding="utf-8"), {})}
    assert "click" not in top


def test_importing_the_whole_core_loads_no_ui_library():
    code = (
        "import sys, pkgutil, importlib, pipecli.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'pipecli.core.'): importlib.import_module(m.name)\n"
        f"print(sorted(set(sys.modules) & {FORBIDDEN!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_template_and_preset_ships_in_the_package():
    """A plain `pip install .` must carry the report templates, import presets and what `pipe init` writes (package_data in setup.cfg)."""
    import configparser
    import fnmatch

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    patterns = config["options.package_data"]["pipecli"].split()
    for folder in ("templates", "presets", "starter", "demo"):
        files = [p.relative_to(ROOT / "pipecli").as_posix() for p in (ROOT / "pipecli" / folder).rglob("*") if p.is_file()]
        assert files and all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files), folder



def architecture_table() -> dict[str, tuple[set[str], str]]:
    """docs/architecture.md's table of parts: part -> (what it may import, what it owns)."""
    rows = {}
    for line in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in ALLOWED:
            rows[cells[0]] = ({p for p in cells[1].split(", ") if p != "nothing"}, cells[2])
    return rows


def test_docs_architecture_draws_the_rule_this_test_holds():
    table = architecture_table()
    assert {part: allowed for part, (allowed, _) in table.items()} == ALLOWED


def test_docs_architecture_names_every_core_module_in_its_part():
    table = architecture_table()
    missing = []
    for name in modules_on_disk():
        part = part_of(name)
        if part is None or name.count(".") < 2 or name.rpartition(".")[2] in ALLOWED:
            continue  # outside the core, or a package itself
        if f"`{name.rpartition('.')[2]}.py`" not in table[part][1]:
            missing.append(name)
    assert missing == []


def test_model_and_workflow_never_take_a_workspace():
    """They work on Deal objects; a function handed the store's Workspace reads files by duck typing,
    which no import shows (finding a task by id did, until it moved to store/entrylookup.py)."""
    taking = []
    for part in ("fileformat", "model", "workflow"):
        for path in sorted((CORE / part).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names = [a.arg for a in node.args.args + node.args.kwonlyargs]
                    if "workspace" in names:
                        taking.append(f"{part}/{path.name}: {node.name}")
    assert taking == []
