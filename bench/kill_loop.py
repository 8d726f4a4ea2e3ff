"""kill -9 at random moments of `eventsearch index`: the index must hold exactly the old
commit or the new one, and be whole, every time.

Usage: python bench/kill_loop.py [--pages 400] [--rounds 30] [--seed 5]

Each round starts from a copy of the index of the old pages, runs `eventsearch index` on
the new pages (some edited, some deleted, some added) in a subprocess, kills it with
SIGKILL after a random delay (up to 1.2 times a whole run), then checks the index: its
events (slug and content hash) must be exactly the old set or the new set, and
`eventsearch check` must find it whole. The figures go to docs/reliability.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsearch.search import open_index  # noqa: E402
from eventsearch.search.check import check_index  # noqa: E402

from bench.common import say  # noqa: E402
from bench.generate import generate_corpus  # noqa: E402


def index_command(pages: Path, index_dir: Path) -> list[str]:
    return [sys.executable, "-m", "eventsearch", "index", str(pages), "--index", str(index_dir)]


def state(index_dir: Path) -> dict[str, str]:
    index = open_index(index_dir)
    try:
        return index.slugs()
    finally:
        index.close()


def edit_pages(pages: Path, rng: random.Random, edited: int, deleted: int) -> None:
    """Edit some pages' text, delete others, and add as many new ones as were deleted."""
    files = sorted(p for p in pages.glob("*.html") if p.name != "index.html")
    rng.shuffle(files)
    for page in files[:edited]:
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("</p>", " An edited sentence.</p>", 1), encoding="utf-8")
    for page in files[edited:edited + deleted]:
        new = page.with_name(f"new-{page.name}")
        text = page.read_text(encoding="utf-8").replace(page.stem, new.stem)
        page.unlink()
        new.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    outcomes: Counter = Counter()
    with tempfile.TemporaryDirectory(prefix="kill-loop-") as tmp:
        work = Path(tmp)
        old_pages, new_pages = work / "old", work / "new"
        generate_corpus(old_pages, args.pages, seed=args.seed)
        shutil.copytree(old_pages, new_pages)
        edit_pages(new_pages, rng, edited=args.pages // 8, deleted=args.pages // 20)
        base = work / "base-index"
        subprocess.run(index_command(old_pages, base), check=True, cwd=ROOT,
                       capture_output=True)
        old_state = state(base)
        whole = work / "whole-run"
        shutil.copytree(base, whole)
        started = time.perf_counter()
        subprocess.run(index_command(new_pages, whole), check=True, cwd=ROOT,
                       capture_output=True)
        full_run = time.perf_counter() - started
        new_state = state(whole)
        say(f"{args.pages} pages; a whole re-index takes {full_run:.1f} s; the new pages "
            f"change {sum(old_state.get(s) != h for s, h in new_state.items())} events "
            f"and delete {len(set(old_state) - set(new_state))}")
        for round_number in range(1, args.rounds + 1):
            target = work / f"round-{round_number}"
            shutil.copytree(base, target)
            delay = rng.uniform(0, full_run * 1.2)
            process = subprocess.Popen(index_command(new_pages, target), cwd=ROOT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            finished = process.poll() is not None
            if not finished:
                process.send_signal(signal.SIGKILL)
            process.wait()
            found = state(target)
            verdict = ("old commit" if found == old_state else
                       "new commit" if found == new_state else "NEITHER")
            checked = check_index(target)
            outcome = f"{verdict}{'' if checked.ok else ', DAMAGED'}"
            outcomes[("finished: " if finished else "killed: ") + outcome] += 1
            say(f"round {round_number:3}: killed after {delay:5.2f} s "
                f"{'(had finished)' if finished else ''} -> {outcome}")
            shutil.rmtree(target)
    say("")
    for outcome, count in sorted(outcomes.items()):
        say(f"- {outcome}: {count}")
    bad = sum(n for o, n in outcomes.items() if "NEITHER" in o or "DAMAGED" in o)
    say(f"{args.rounds} rounds, {bad} left the index neither old nor new, or damaged")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
