"""The circle directory ↔ search is broken (issue #22): search reads the databank's models and selectors but never
imports the directory's services, and the directory reaches search's write path only through `search.sync`."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What directory modules may import from search, and why.
DIRECTORY_MAY_IMPORT = {
    "search.sync": "the write path: every writer of the databank calls it",
    "search.lemmas": "pure computation of the search columns, for the bulk writers that compute them in memory",
    "search.services": "reading: the search itself (results pages, the API)",
    "search.engines.base": "value types (GeoPoint) of the search's arguments",
    "search.gaps": "the results page records a search that found nothing (search's own table, not the databank)",
    "search.references": "reading: the names of the facets' values, kept in the process (filters, forms)",
}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
            # `from search import sync` imports the module search.sync.
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def python_files(package: str):
    return [path for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts]


def test_search_never_imports_the_directory_services():
    offenders = {
        str(path.relative_to(ROOT))
        for path in python_files("search")
        if imported_modules(path) & {"directory.services", "directory.services.lemma_texts"}
    }
    assert offenders == set()


def test_the_directory_reaches_search_only_through_sync_and_the_named_read_modules():
    found = {}
    for path in python_files("directory"):
        for module in imported_modules(path):
            if module == "search" or not module.startswith("search."):
                continue
            # `from search import sync` yields both "search" and "search.sync"; `from search.x import Name`
            # yields "search.x" and "search.x.Name": the module is the longest allowed prefix.
            if not any(module == allowed or module.startswith(allowed + ".") for allowed in DIRECTORY_MAY_IMPORT):
                found.setdefault(module, []).append(str(path.relative_to(ROOT)))
    assert found == {}
