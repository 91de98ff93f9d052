#!/usr/bin/env python3
"""doc-replay.py DOC TREE: apply the steps of a guide to a copy of the tree.

A guide (docs/*.md) marks each fenced block a newcomer types into a file
with an HTML comment just above it, invisible once rendered:

    <!-- replay: new PATH -->                       write the block as PATH
    <!-- replay: append PATH -->                    add it at the end of PATH
    <!-- replay: insert PATH after "TEXT" -->       after the first line holding TEXT
    <!-- replay: insert PATH before "TEXT" -->      before the last line holding TEXT
    <!-- replay: merge PATH -->                     a JSON object merged into PATH

so the code, SQL, route lines and tests are taken from the page itself, and
a page that no longer builds or passes fails the test that replays it
(tests/e2e/092-add-resource.sh). A new migration sql/NNNN_name.sql whose
number is taken already gets the next free one, and every later block is
changed to match, as a newcomer would do. Prints one line per step; exits 1
with the reason on the first step that cannot be applied.
"""
import json
import os
import re
import sys

DIRECTIVE = re.compile(
    r'<!--\s*replay:\s*(new|append|insert|merge)\s+(\S+)'
    r'(?:\s+(before|after)\s+"([^"]+)")?\s*-->')
FENCE = re.compile(r'^(```+|~~~+)')


def die(msg):
    sys.exit("doc-replay: " + msg)


def steps(text):
    """Yields (action, path, where, anchor, block, line number)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = DIRECTIVE.search(lines[i])
        if not m:
            i += 1
            continue
        at = i + 1
        j = i + 1
        while j < len(lines) and not FENCE.match(lines[j]):
            j += 1
        if j == len(lines):
            die("line %d: a replay comment with no fenced block after it" % at)
        fence = FENCE.match(lines[j]).group(1)
        k = j + 1
        while k < len(lines) and not lines[k].startswith(fence):
            k += 1
        if k == len(lines):
            die("line %d: the fenced block never closes" % (j + 1))
        yield (m.group(1), m.group(2), m.group(3), m.group(4),
               "\n".join(lines[j + 1:k]) + "\n", at)
        i = k + 1


def merge(dst, src, where):
    """Merges JSON object src into dst; a key both define must be an object."""
    for key, val in src.items():
        if key in dst and isinstance(dst[key], dict) and isinstance(val, dict):
            merge(dst[key], val, where + "/" + key)
        elif key in dst and dst[key] != val:
            die("%s/%s exists already with another value" % (where, key))
        else:
            dst[key] = val


def main():
    if len(sys.argv) != 3:
        die("usage: doc-replay.py DOC TREE")
    doc, tree = sys.argv[1], sys.argv[2]
    renames = {}
    n = 0
    for action, path, where, anchor, block, at in steps(open(doc).read()):
        for old, new in renames.items():
            block = block.replace(old, new)
            path = path.replace(old, new)
        full = os.path.join(tree, path)
        m = re.match(r'^sql/(\d{4})_([a-z0-9_]+)\.sql$', path)
        if action == "new" and m:
            taken = [int(f[:4]) for f in os.listdir(os.path.join(tree, "sql"))
                     if re.match(r'^\d{4}_', f)]
            if int(m.group(1)) in taken:
                free = "%04d_%s" % (max(taken) + 1, m.group(2))
                renames["%s_%s" % (m.group(1), m.group(2))] = free
                block = block.replace("%s_%s" % (m.group(1), m.group(2)), free)
                path = "sql/%s.sql" % free
                full = os.path.join(tree, path)
        if action == "new":
            if os.path.exists(full):
                die("line %d: %s exists already" % (at, path))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(block)
        elif action == "append":
            with open(full, "a") as f:
                f.write(block)
        elif action == "insert":
            if anchor is None:
                die("line %d: insert needs before or after \"TEXT\"" % at)
            lines = open(full).read().split("\n")
            hits = [i for i, line in enumerate(lines) if anchor in line]
            if not hits:
                die("line %d: no line of %s holds \"%s\"" % (at, path, anchor))
            pos = hits[0] + 1 if where == "after" else hits[-1]
            lines[pos:pos] = block.rstrip("\n").split("\n")
            with open(full, "w") as f:
                f.write("\n".join(lines))
        elif action == "merge":
            try:
                part = json.loads(block)
                whole = json.load(open(full))
            except ValueError as e:
                die("line %d: %s" % (at, e))
            merge(whole, part, path)
            with open(full, "w") as f:
                json.dump(whole, f, indent=2, ensure_ascii=False)
                f.write("\n")
        n += 1
        print("%s:%d: %s %s%s" % (os.path.basename(doc), at, action, path,
                                  " %s \"%s\"" % (where, anchor) if where else ""))
    if n == 0:
        die("%s has no replay steps" % doc)


if __name__ == "__main__":
    main()
