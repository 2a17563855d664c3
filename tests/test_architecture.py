"""The layering, read from the source: who imports whom among ``bot``, ``workflows``,
``models`` and ``sandbox``.

Every ``.py`` file is parsed (nothing is imported) and each import statement becomes
an arrow from its module to the module it names, whether it stands at the top of the
file or inside a function: ``from x import y`` points at ``x.y`` when that is a
module, else at ``x``. Imports under ``if TYPE_CHECKING:`` never run and are left
out. Importing ``a.b.c`` also runs the packages ``a`` and ``a.b``; as in
import-linter, those implicit arrows are not drawn.

The rules: no circle of modules importing each other; ``workflows`` and ``models``
never import ``bot``, nor ``models`` the workflows; the sandbox, a tool of its own,
imports nothing of ours and is imported by the bot in one place only (``bot.app``
starts it for ``majlis run`` on the embedded defaults); no import inside a function
between our own modules, but for the few listed in ``LATE`` below; and any import
inside a function says, in a comment, why it waits (a heavy library loaded only when
needed). That ``workflows.charter`` imports only the standard library and itself is
checked in ``tests/charter/test_foundations.py``.
"""

import ast
import io
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.conversations import start

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "workflows", "models", "sandbox")

# The imports of the sandbox outside it: ``majlis run`` with no token starts it, and
# a broadcast's text is checked with its parser of Telegram's HTML, the one that
# refuses bad markup as Telegram does.
SANDBOX_USERS = {
    ("bot.app", "sandbox"),
    ("bot.conversations.outreach.broadcast", "sandbox.formatting"),
}

# The imports that wait for the part of Majlis that answers: the engine, the conversations,
# the notices and the jobs import every workflow and configure every table's mapper. The
# bot process (``majlis bot``) only takes updates in and never loads them; the workers
# load them when they start, and ``majlis import`` when it runs.
START_UP = {
    ("bot.cli", "bot.conversations.membership.register_import"),
    ("bot.cli", "workflows.membership.member_import"),
    ("bot.i18n", "bot.notices"),
    ("bot.intake", "bot.conversations"),
    ("bot.intake", "bot.engine"),
    ("bot.intake", "bot.uploads"),
    ("bot.platform", "bot.delivery"),
    ("bot.platform", "workflows.jobs"),
}

# The imports between our modules that wait inside a function, each for a heavy
# library: the sandbox's web server, loaded only to be started; and the two runtimes,
# each a thin layer over its Telegram library, of which only the configured one loads
# (in the bot, to take updates in, and in the workers, to send the answers).
LATE = (
    SANDBOX_USERS
    | {
        ("bot.app", "bot.runtimes.aiogram_runtime"),
        ("bot.app", "bot.runtimes.ptb_runtime"),
        ("bot.intake", "bot.runtimes.aiogram_runtime"),
        ("bot.intake", "bot.runtimes.ptb_runtime"),
    }
    | START_UP
)


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported, resolved
    file: Path
    line: int
    in_function: bool
    commented: bool  # a comment on the statement or just above its block


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> dict[str, Path]:
    files: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            files[module_name(path)] = path
    return files


FILES = source_files()
MODULES = set(FILES)


def ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def resolve(module: str, node: ast.ImportFrom | ast.Import, path: Path) -> Iterator[str]:
    """The modules an import statement names."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    base = node.module or ""
    if node.level:
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        yield candidate if candidate in MODULES else base


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(module: str, path: Path) -> Iterator[Import]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    comments = {
        token.start[0]
        for token in tokenize.generate_tokens(io.StringIO(text).readline)
        if token.type == tokenize.COMMENT
    }
    import_lines = {
        line
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    }

    def commented(node: ast.Import | ast.ImportFrom) -> bool:
        """A comment on the statement, or on the lines just above its block of imports."""
        end = node.end_lineno or node.lineno
        if any(node.lineno <= line <= end for line in comments):
            return True
        line = node.lineno - 1
        while line > 0:
            if lines[line - 1].strip().startswith("#"):
                return True
            if line not in import_lines:
                return False
            line -= 1
        return False

    def walk(node: ast.AST, in_function: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target in resolve(module, child, path):
                    yield Import(module, target, path, child.lineno, in_function, commented(child))
            elif isinstance(child, ast.If) and is_type_checking(child):
                for statement in child.orelse:
                    yield from walk(ast.Module(body=[statement], type_ignores=[]), in_function)
            else:
                inside = in_function or isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                )
                yield from walk(child, inside)

    yield from walk(tree, False)


# ``from x import a, b`` names ``x`` twice when neither is a module: once is enough.
IMPORTS = list(
    dict.fromkeys(found for module, path in FILES.items() for found in imports_of(module, path))
)
ARROWS = [found for found in IMPORTS if ours(found.target) and found.target != found.source]


def where(found: Import) -> str:
    return f"{found.file.relative_to(ROOT)}:{found.line} ({found.source} -> {found.target})"


def circles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for arrow in ARROWS:
        if arrow.target in MODULES:
            graph[arrow.source].add(arrow.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


def test_the_graph_is_read() -> None:
    # A guard on the test itself: arrows known to exist are found, as they stand.
    found = {(arrow.source, arrow.target, arrow.in_function) for arrow in ARROWS}
    assert ("bot.intake", "bot.engine", True) in found  # inside build_engine
    assert ("bot.engine", "bot.callbacks", False) in found
    assert ("workflows.meetings.motions", "workflows.meetings.ballots", False) in found
    assert ("bot.app", "sandbox", True) in found  # inside run_everything
    assert not any(
        source == "sandbox.botapi" and target == "sandbox.server" for source, target, _ in found
    )  # TYPE_CHECKING


def test_no_import_circles() -> None:
    found = circles()
    for component in found:
        members = set(component)
        print(f"circle of {len(component)} modules: {', '.join(component)}")
        for arrow in ARROWS:
            if arrow.source in members and arrow.target in members:
                print(f"    {where(arrow)}")
    assert not found, "\n".join(" <-> ".join(component) for component in found)


def test_workflows_and_models_never_import_the_bot() -> None:
    upward = [
        where(arrow)
        for arrow in ARROWS
        if arrow.source.split(".")[0] in {"workflows", "models"}
        and arrow.target.split(".")[0] == "bot"
    ]
    assert not upward, "\n".join(upward)


def test_models_never_import_the_workflows() -> None:
    upward = [
        where(arrow)
        for arrow in ARROWS
        if arrow.source.split(".")[0] == "models" and arrow.target.split(".")[0] == "workflows"
    ]
    assert not upward, "\n".join(upward)


FEATURES = ("membership", "fees", "meetings", "outreach")


def test_the_workflows_platform_imports_no_feature() -> None:
    """The features stand on the platform; only ``workflows.jobs`` and
    ``workflows.decisions`` stand above the features."""
    upward = [
        where(arrow)
        for arrow in ARROWS
        if arrow.source.startswith("workflows.platform")
        and arrow.target.split(".")[:2] in [["workflows", feature] for feature in FEATURES]
    ]
    assert not upward, "\n".join(upward)


def test_the_sandbox_stands_apart() -> None:
    # The sandbox imports nothing of ours, and ours imports it only where allowed.
    crossing = [
        where(arrow)
        for arrow in ARROWS
        if (arrow.source.split(".")[0] == "sandbox") != (arrow.target.split(".")[0] == "sandbox")
        and (arrow.source, arrow.target) not in SANDBOX_USERS
    ]
    assert not crossing, "\n".join(crossing)


def test_no_import_between_our_modules_inside_a_function() -> None:
    late = [
        where(arrow)
        for arrow in ARROWS
        if arrow.in_function and (arrow.source, arrow.target) not in LATE
    ]
    assert not late, "\n".join(late)


def test_every_import_inside_a_function_says_why() -> None:
    # The standard library and light libraries belong at the top of the module; a heavy
    # one kept for start-up time says so in a comment on or just above the import.
    silent = [where(found) for found in IMPORTS if found.in_function and not found.commented]
    assert not silent, "\n".join(silent)


def test_every_menu_item_opens_something() -> None:
    # The main menu imports no feature: each registers what its item opens when the
    # package, which imports them all, is imported.
    assert set(start.OPENS) == set(start.Item)
