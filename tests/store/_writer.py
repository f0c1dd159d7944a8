"""A diary writer for the durability tests (run as a separate process).

    python _writer.py URL PERSON FIRST_DATE COUNT STEP OFFSET [--tolerate-duplicates]

Writes COUNT entries, one transaction each, for dates FIRST_DATE + OFFSET + i*STEP days,
and prints ``ok ID DATE`` after each commit (= the entry is acknowledged), or
``dup DATE`` when another writer already has that date (with --tolerate-duplicates).
"""

from __future__ import annotations

import datetime as dt
import sys

from triggermap.store import db, repo
from triggermap.store.errors import DuplicateEntry
from triggermap.store.vocab import Vocab

VOCAB = Vocab(
    regions={"low-back": False, "buttock-lower-inner": False, "coccyx": True},
    plan_items=frozenset({"item-a", "item-b"}),
)


def main(argv: list[str]) -> int:
    url, person, first, count, step, offset = argv[:6]
    tolerate = "--tolerate-duplicates" in argv
    start = dt.date.fromisoformat(first)
    print("ready", flush=True)
    for i in range(int(count)):
        day = start + dt.timedelta(days=int(offset) + i * int(step))
        try:
            with db.session_scope(url) as s:
                who, _ = repo.get_or_create_person(s, person, actor="writer")
                entry = repo.add_diary_entry(
                    s,
                    who,
                    date=day,
                    pain=i % 11,
                    regions=["low-back:left", "coccyx", "buttock-lower-inner"],
                    done=["item-a", "item-b"] if i % 2 else ["item-a"],
                    note=f"entry {i} " + "x" * 200,
                    vocab=VOCAB,
                    actor="writer",
                )
                entry_id = entry.id
        except DuplicateEntry:
            if not tolerate:
                raise
            print(f"dup {day.isoformat()}", flush=True)
            continue
        # the block above has committed: the entry is acknowledged
        print(f"ok {entry_id} {day.isoformat()}", flush=True)
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
