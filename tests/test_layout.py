"""The runtime package (orchestration/) imports nothing from the development tools (tools/:
the benchmark, the demo-data generator, the target comparison): `pip install .` ships only
the runtime, so an import of tools.* would break an installed `pulse`."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from orchestration.config import PROJECT_ROOT

RUNTIME = PROJECT_ROOT / "orchestration"


def _imported_modules(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):  # every import, also those inside functions
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_no_runtime_module_imports_the_tools():
    files = sorted(RUNTIME.rglob("*.py"))
    assert len(files) > 20  # the walk found the package
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}: {module}"
        for path in files
        for module in _imported_modules(ast.parse(path.read_text(), filename=str(path)))
        if module == "tools" or module.startswith("tools.")
    ]
    assert offenders == [], "the runtime imports development tools:\n" + "\n".join(offenders)


def test_loading_the_code_location_loads_no_tool():
    # from the repository root, where tools/ would be importable: nothing may pull it in
    script = (
        "import json, sys\n"
        "import orchestration.definitions\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'tools')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
