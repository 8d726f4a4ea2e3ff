"""docs/api.md's examples run as they are, in order, in one namespace."""

from __future__ import annotations

import contextlib
import io
import re

from tests.conftest import ROOT

DOC = ROOT / "docs" / "api.md"


def test_the_python_api_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for number, block in enumerate(blocks, 1):
            exec(compile(block, f"{DOC}, example {number}", "exec"), namespace)
    output = printed.getvalue()
    assert "mistral efficiency" in output and "sort must be one of" in output
    namespace["index"].close()
