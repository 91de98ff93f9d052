#!/usr/bin/env python3
"""doc-session.py [--show] DOC DIR: run a guide's terminal sessions, check their output.

A guide shows what to type and what comes back as a console block, marked
for replay by an HTML comment just above it (invisible once rendered):

    <!-- replay: session -->
    ```console
    $ curl -s -o /dev/null -w '%{http_code}\\n' "$BOOTSTACK_URL/v1/tasks"
    401
    ```

Lines starting with "$ " are commands (a trailing backslash, or a next line
starting with "> ", the shell's second prompt, continues one); the lines
after a command, up to the next one, are its
expected output (stdout and stderr). "..." stands for any text within a
line, and a line holding only "..." for any number of lines. Trailing
blank lines do not count. Every session of the page runs, in order, in one
bash in DIR (variables carry over), so a page is followed from start to
finish as a newcomer would. With --show, prints what each command really
printed instead of checking (to write a page). Exits 1 at the first
difference, showing both.
"""
import re
import subprocess
import sys

MARK = "@@doc-session %d@@"


def commands(text):
    """Yields (line number, command, expected output lines) of every session."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if not re.search(r'<!--\s*replay:\s*session\s*-->', lines[i]):
            i += 1
            continue
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            i += 1
        i += 1
        cur = None
        while i < len(lines) and not lines[i].startswith("```"):
            line = lines[i]
            if line.startswith("$ "):
                if cur:
                    yield cur
                cmd, at = line[2:], i + 1
                while i + 1 < len(lines) and (cmd.endswith("\\") or
                                              lines[i + 1].startswith("> ")):
                    i += 1
                    nxt = lines[i]
                    cmd += "\n" + (nxt[2:] if nxt.startswith("> ") else nxt)
                cur = (at, cmd, [])
            elif cur:
                cur[2].append(line)
            i += 1
        if cur:
            yield cur
        i += 1


def pattern(expected):
    """A regex matching the expected lines, with "..." wildcards."""
    while expected and expected[-1].strip() == "":
        expected = expected[:-1]
    out = ""
    for line in expected:
        if line.strip() == "...":
            out += r"(?:[^\n]*\n)*?"
        else:
            out += ".*?".join(re.escape(p) for p in line.split("...")) + r"\n"
    return re.compile(out)


def main():
    args = sys.argv[1:]
    show = bool(args) and args[0] == "--show"
    if show:
        args = args[1:]
    if len(args) != 2:
        sys.exit("usage: doc-session.py [--show] DOC DIR")
    doc, workdir = args
    cmds = list(commands(open(doc).read()))
    if not cmds:
        sys.exit("doc-session: %s has no session" % doc)
    script = ""
    for n, (_, cmd, _) in enumerate(cmds):
        script += "printf '\\n%s\\n'\n%s\n" % (MARK % n, cmd)
    script += "printf '\\n%s\\n'\n" % (MARK % len(cmds))
    run = subprocess.run(["bash", "--noprofile", "--norc"], input=script, cwd=workdir,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=300)
    parts = re.split(r"\n@@doc-session (\d+)@@\n", "\n" + run.stdout)
    got = {}
    for k in range(1, len(parts) - 1, 2):
        got[int(parts[k])] = parts[k + 1]
    for n, (at, cmd, expected) in enumerate(cmds):
        actual = got.get(n)
        if actual is None:
            sys.exit("%s:%d: the session stopped before `%s`" % (doc, at, cmd))
        actual = actual.rstrip("\n") + "\n" if actual.strip() else ""
        if show:
            print("$ " + cmd)
            sys.stdout.write(actual)
            continue
        if not pattern(expected).fullmatch(actual):
            sys.exit("%s:%d: `%s`\n--- the page says:\n%s\n--- it printed:\n%s" %
                     (doc, at, cmd, "\n".join(expected).rstrip(), actual.rstrip()))
    if not show:
        print("%s: %d commands as the page says" % (doc, len(cmds)))


if __name__ == "__main__":
    main()
