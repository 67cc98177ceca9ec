"""The import direction of DESIGN.md, enforced: __main__ → adapters, scheduler → core → store, content.
core/ never imports a platform library or APScheduler, adapters never touch the store, and SQL
lives in the store package alone."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).parent.parent / "bot"
PLATFORM = {"discord", "slack_bolt", "slack_sdk", "apscheduler", "aiohttp"}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # resolve a relative import against the file's package
                package = path.relative_to(ROOT.parent).with_suffix("").parts[:-node.level]
                base = ".".join(package + ((base,) if base else ()))
            found.add(base)
    return found


def files(folder: str = "") -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_core_never_imports_platforms_or_outer_rooms():
    for path in files("core"):
        for name in imports(path):
            top = name.split(".")[0]
            assert top not in PLATFORM, f"{path.name} imports {name}"
            assert not name.startswith(("bot.adapters", "bot.scheduler", "bot.__main__", "bot.config")), \
                f"{path.name} imports {name}"


def test_store_and_content_import_nothing_of_ours_above_them():
    for path in [*files("store"), ROOT / "content.py", ROOT / "answers.py"]:
        ours = {n for n in imports(path) if n.startswith("bot") and not n.startswith("bot.store")}
        assert ours <= {"bot.content", "bot.answers"}, f"{path.name} imports {ours}"


def test_adapters_never_touch_the_store():
    for path in files("adapters"):
        assert not any(n.startswith("bot.store") for n in imports(path)), path.name


def test_sql_lives_only_in_the_store():
    sql = re.compile(r"\b(SELECT\s+.+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b", re.I)
    offenders = [p.name for p in files() if p.parent.name != "store" and sql.search(p.read_text())]
    assert offenders == []
