"""The layout of docs/ARCHITECTURE.md, read from the source with `ast`: apps
import only downward, nothing imports `demo` or `bench` (`bench` takes only
`demo.names`, the demo's lists of fictitious names), no two modules import
each other (directly or around a loop, imports inside functions included), and
no application module or function outgrows what a newcomer can read."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each application and the project's applications it may import: only downward.
LAYERS = ("audit", "core", "permanences", "beneficiaries", "messaging", "reporting")
ALLOWED = {app: set(LAYERS[:index]) for index, app in enumerate(LAYERS)}
# The two top rooms: fictitious demo data, and benchmarks. Nothing imports either.
ALLOWED["demo"] = set(LAYERS)
ALLOWED["bench"] = set(LAYERS)
# Single modules an application may import outside its layers: the benchmarks
# reuse the demo's lists of fictitious names, and nothing else of the demo.
ALLOWED_MODULES = {"bench": {"demo.names"}}
# The project's wiring: settings and URLs name the apps by strings.
ALLOWED["config"] = {"core"}
PROJECT = set(ALLOWED)

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def application_files(*, migrations: bool = True) -> list[Path]:
    files = []
    for app in sorted(PROJECT):
        for path in sorted((ROOT / app).rglob("*.py")):
            if migrations or "migrations" not in path.parts:
                files.append(path)
    return files


def imported_modules(
    source: str, module: str, *, is_package: bool = False, modules: set[str] | None = None
) -> set[str]:
    """Every module `source` imports, at any depth (inside functions too), as
    absolute names. `from package import name` counts `package.name` when it is
    one of `modules`, else `package` (without `modules`: both)."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = {f"{base}.{alias.name}" for alias in node.names}
            if modules is None:
                found |= {base, *names}
            else:
                # A name that is no module is read from the package itself.
                found |= (names & modules) | ({base} if names - modules else set())
    return found


def project_modules() -> set[str]:
    return {module_name(path) for path in application_files()}


def layer_violations(module: str, imports: set[str]) -> list[str]:
    """`imports` read with `modules=project_modules()`, so that `from demo import names`
    is `demo.names`, not `demo`."""
    app = module.split(".")[0]
    wrong = set()
    for name in imports:
        target = name.split(".")[0]
        if name in ALLOWED_MODULES.get(app, ()):
            continue
        if target in PROJECT and target != app and target not in ALLOWED[app]:
            wrong.add(name.split(".")[0])
    return [f"{module} imports {target}" for target in sorted(wrong)]


def project_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in application_files()}
    graph = {}
    for module, path in files.items():
        imports = imported_modules(
            path.read_text(), module, is_package=path.name == "__init__.py", modules=set(files)
        )
        graph[module] = {name for name in imports if name in files and name != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_applications_import_only_downward_and_never_demo_or_bench():
    violations, modules = [], project_modules()
    for path in application_files():
        module = module_name(path)
        imports = imported_modules(
            path.read_text(), module, is_package=path.name == "__init__.py", modules=modules
        )
        violations += layer_violations(module, imports)
    assert violations == []


def test_no_import_cycle_between_modules():
    assert cycles(project_graph()) == []


def test_no_application_module_or_function_is_too_long():
    too_long = []
    for path in application_files(migrations=False):
        source = path.read_text()
        name = path.relative_to(ROOT)
        if source.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{name}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}:{node.lineno} {node.name}(): {length} lines")
    assert too_long == []


# The checks themselves can fail.


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "permanences.views",
            "from beneficiaries.models import Visit",
            ["permanences.views imports beneficiaries"],
        ),
        ("core.pdf", "def f():\n    from reporting import bilan\n", ["core.pdf imports reporting"]),
        ("reporting.views", "import bench.timing", ["reporting.views imports bench"]),
        ("beneficiaries.forms", "from demo import names", ["beneficiaries.forms imports demo"]),
        ("audit.models", "from core.models import AuditedModel", ["audit.models imports core"]),
        ("reporting.views", "from beneficiaries.models import Visit\nfrom core import roles", []),
        ("bench.search", "from demo import names", []),
        ("bench.search", "from demo.names import FIRST_NAMES", []),
        ("bench.search", "import demo.names", []),
        # Anything else of the demo is refused to the benchmarks.
        ("bench.bilan", "from demo import builder", ["bench.bilan imports demo"]),
        ("bench.bilan", "from demo.people import make_people", ["bench.bilan imports demo"]),
        ("bench.bilan", "from demo import names, seed_demo", ["bench.bilan imports demo"]),
    ],
)
def test_a_wrong_way_import_is_reported(module, source, expected):
    imports = imported_modules(source, module, modules=project_modules())
    assert layer_violations(module, imports) == expected


def test_relative_imports_are_resolved_from_their_package():
    assert "beneficiaries.models.activity" in imported_modules(
        "from .activity import Visit", "beneficiaries.models", is_package=True
    )
    assert "beneficiaries.enums" in imported_modules(
        "from ..enums import Sex", "beneficiaries.models.activity"
    )


def test_a_cycle_is_reported():
    graph = {"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "a.w": {"a.x"}}
    assert cycles(graph) == [["a.x", "a.y", "a.z"]]
    assert cycles({"a.x": {"a.y"}, "a.y": set()}) == []
