"""docs/cli.md and `loom COMMAND --help` agree: every command has a "### `loom COMMAND`" table, every flag that
--help shows has a row in its command's table, and every flag in a table's first column is one --help shows.
Usage: python3 cli_docs_check.py path/to/loom docs/cli.md   (exit 1 with the differences listed)"""
import re
import subprocess
import sys


def help_flags(loom, command):
    """The flag names `loom COMMAND --help` lists under Options (without -h/--help)."""
    text = subprocess.run([loom, command, "--help"], capture_output=True, text=True, check=True).stdout
    options = text.split("Options:", 1)[1].split("Positionals:", 1)[0]
    names = set()
    for line in options.splitlines():
        m = re.match(r"^  ((?:-[-\w]+,?)+)", line)
        if m:
            names.update(n for n in m.group(1).split(",") if n)
    return names - {"-h", "--help"}


def documented_flags(doc):
    """{command: set of flag names in the first column of its table}."""
    tables, command = {}, None
    for line in doc.splitlines():
        heading = re.match(r"^### `loom ([a-z-]+)`", line)
        if heading:
            command = heading.group(1)
            tables[command] = set()
        elif line.startswith("## "):
            command = None
        elif command and line.startswith("| "):
            first_cell = line.split("|")[1]
            tables[command].update(re.findall(r"`(-[-\w]+)`", first_cell))
    return tables


def main():
    loom, doc_path = sys.argv[1], sys.argv[2]
    listing = subprocess.run([loom, "help"], capture_output=True, text=True, check=True).stdout
    commands = {m.group(1) for m in re.finditer(r"^  ([a-z][a-z-]*) ", listing, re.M)} - {"help"}
    tables = documented_flags(open(doc_path, encoding="utf-8").read())
    problems = []
    for command in sorted(commands - tables.keys()):
        problems.append(f"loom {command}: no table in {doc_path}")
    for command in sorted(tables.keys() - commands):
        problems.append(f"{doc_path} documents 'loom {command}', which is not a command")
    checked = 0
    for command in sorted(commands & tables.keys()):
        shown = help_flags(loom, command)
        checked += len(shown)
        for flag in sorted(shown - tables[command]):
            problems.append(f"loom {command} {flag}: in --help but not in {doc_path}")
        for flag in sorted(tables[command] - shown):
            problems.append(f"loom {command} {flag}: in {doc_path} but not in --help")
    print(f"{len(commands)} commands, {checked} flags compared")
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
