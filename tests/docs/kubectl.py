"""The `kubectl` commands of the docs, as a reader pastes them, run where no cluster is.

A command line is a line of a shell code block (fenced or indented; a trailing `\\` joins
the next line) or an inline code span of the prose. Shell syntax splits it into commands
(`|`, `&&`, `;`, `&`, `$(...)`, a loop's `do`), and each command that is `kubectl ...`
is run with a kubeconfig whose server is 127.0.0.1:1 and a proxy there too, so that a
command that parses fails on the connection (to the cluster, or to GitHub for `-f <URL>`),
and one that doesn't fails before it: that is what these checks tell apart. A command
that reads a pipe gets what the `kubectl` before it printed, or a stand-in object; `>`
writes its output to the file, as the shell would, even when it fails.

An inline span of `kubectl` and at most one word names a command in prose (`kubectl
logs`): it is not one. Another tool's commands (`kn`) are found the same way, to be
checked by what they do. Markdown is read by markdown-it, as tests/docs/links.py reads it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from scripts.stack.processes import ROOT

_PARSER = MarkdownIt("commonmark").enable("table")
SHELLS = {"", "sh", "bash", "shell", "console"}
# kubectl's own words for "I could not reach the server", whichever call got there first.
_UNREACHABLE = re.compile(
    r"connect: connection refused|The connection to the server \S+ was refused"
)
# What stands in for the output of a command that isn't kubectl (python3 knative/rollout.py).
STAND_IN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stand-in\n"
NOWHERE = "https://127.0.0.1:1"
_KEYWORDS = {"do", "done", "then", "else", "elif", "fi", "!", "time", "exec"}
_REDIRECTS = {">", ">>", "<", ">|"}
_PLACEHOLDER = re.compile(r"<([A-Za-z][\w.-]*(?: [\w.-]+)*)>")
_VARIABLE = re.compile(r"\$\{?[A-Za-z_]\w*\}?")
# Flags of get/delete/describe/wait that take the next word as their value.
_VALUED = {"-n", "--namespace", "-l", "--selector", "-o", "--output", "-f", "--filename"}
_VALUED |= {"-c", "--container", "--for", "--timeout", "--field-selector", "--sort-by"}
_BY_TYPE_AND_NAME = {"get", "delete", "describe", "wait", "label", "annotate", "edit"}


@dataclass(frozen=True)
class Command:
    """One `kubectl` of a command line: its arguments after `kubectl`, whether it reads a
    pipe (and from which command of the line, if that one is kubectl too), its `>` file."""

    where: str  # page:line
    line: str
    args: tuple[str, ...]
    piped: bool = False
    reads: int | None = None  # index, in the line's commands, of the kubectl it reads
    redirect: str | None = None
    tool: str = "kubectl"

    def __str__(self) -> str:
        return f"{self.where}: {self.tool} {shlex.join(self.args)}"


def _snippets(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line, text, from a code block) of each shell code block and inline code span."""
    for token in _PARSER.parse(path.read_text()):
        start = (token.map or (0, 0))[0] + 1
        if token.type == "code_block" or (token.type == "fence" and token.info in SHELLS):
            yield start, token.content, True
        elif token.type == "inline":
            for child in token.children or []:
                if child.type == "code_inline":
                    yield start, child.content, False


def command_lines(path: Path, tool: str = "kubectl") -> Iterator[tuple[str, str]]:
    """(page:line, line) of each command line that names the tool."""
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    for start, text, block in _snippets(path):
        if not block and len(text.split()) <= 2:
            continue  # `kubectl logs`: a command named in prose
        for offset, line in enumerate(re.sub(r"\\\n", " ", text).splitlines()):
            if re.search(rf"(^|[\s;|&(]){tool}\s", line):
                yield f"{where}:{start + offset if block else start}", line


def _words(line: str) -> list[str]:
    lexer = shlex.shlex(_PLACEHOLDER.sub(lambda m: m[1].replace(" ", "-"), line), posix=True,
                        punctuation_chars=True)  # fmt: skip
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def commands(where: str, line: str, tool: str = "kubectl") -> list[Command | None]:
    """The line's commands in order: a Command for each of the tool's, None for any other."""
    found: list[Command | None] = []
    words: list[str] = []
    redirect: str | None = None
    piped = expect_target = False

    def end(then_piped: bool) -> None:
        nonlocal words, redirect, piped
        while words and (words[0] in _KEYWORDS or re.fullmatch(r"[A-Za-z_]\w*=.*", words[0])):
            words = words[1:]
        if words:
            command = None
            if words[0] == tool:
                before = len(found) - 1
                reads = before if piped and before >= 0 and found[before] else None
                args = tuple(_VARIABLE.sub("x", word) for word in words[1:])
                command = Command(where, line, args, piped, reads, redirect, tool)
            found.append(command)
        words, redirect, piped = [], None, then_piped

    for word in _words(line):
        if expect_target:
            redirect, expect_target = (word if redirect == ">" else None), False
        elif word in _REDIRECTS:
            if words and words[-1].isdigit():
                words.pop()  # 2> names a descriptor, not an argument
            redirect, expect_target = word, True
        elif set(word) <= set("|&;()<>"):
            end(then_piped="|" in word and "||" not in word)
        else:
            words.append(word)
    end(then_piped=False)
    return found


def in_docs(pages: list[Path], tool: str = "kubectl") -> Iterator[list[Command | None]]:
    for page in pages:
        for where, line in command_lines(page, tool):
            yield commands(where, line, tool)


def pages(root: Path = ROOT) -> list[Path]:
    """The pages a reader copies cluster commands from."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md")), root / "knative/README.md"]


def kubeconfig(folder: Path) -> Path:
    """A kubeconfig whose only cluster answers nowhere."""
    path = folder / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n"
        f"clusters:\n- name: nowhere\n  cluster:\n    server: {NOWHERE}\n"
        "users:\n- name: nobody\n  user:\n    token: nothing\n"
        "contexts:\n- name: nowhere\n  context:\n    cluster: nowhere\n    user: nobody\n"
    )
    return path


def environment(folder: Path, base: Mapping[str, str]) -> dict[str, str]:
    """kubectl's environment: the nowhere kubeconfig, and a proxy nowhere for `-f <URL>`."""
    env = {k: v for k, v in base.items() if k.lower() not in ("no_proxy", "kubeconfig")}
    proxy = "http://127.0.0.1:1"
    return env | {"KUBECONFIG": str(kubeconfig(folder)), "HTTPS_PROXY": proxy, "HTTP_PROXY": proxy}


def run(command: Command, stdin: str, cwd: Path, env: Mapping[str, str]) -> tuple[str, str | None]:
    """(its output, why it failed before reaching a server, or None)."""
    done = subprocess.run(
        ["kubectl", "--request-timeout=1s", *command.args],
        cwd=cwd,
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if command.redirect:
        (cwd / Path(command.redirect).name).write_text(done.stdout)  # kept in the sandbox
    if done.returncode == 0 or _UNREACHABLE.search(done.stderr):
        return done.stdout, None
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return "", lines[0] if lines else f"exit status {done.returncode}, nothing said"


def run_line(line: list[Command | None], cwd: Path, env: Mapping[str, str]) -> list[str]:
    """Each kubectl of one command line, in order; what each that didn't parse said."""
    outputs: dict[int, str] = {}
    problems = []
    for index, command in enumerate(line):
        if command is None:
            continue
        stdin = ""
        if command.piped:
            stdin = outputs.get(command.reads, "") if command.reads is not None else STAND_IN
        outputs[index], problem = run(command, stdin, cwd, env)
        if problem:
            problems.append(f"{command}: {problem}")
    return problems


def _fetches_only(line: list[Command | None]) -> bool:
    """Every kubectl of the line reads only a URL (`apply -f https://...`): it neither
    reads nor writes the sandbox, so it can run beside the others."""
    found = [command for command in line if command]
    return bool(found) and all(
        any(flag in ("-f", "--filename") and "://" in value
            for flag, value in zip(c.args, c.args[1:], strict=False))
        for c in found
    )  # fmt: skip


def run_lines(lines: list[list[Command | None]], cwd: Path, env: Mapping[str, str]) -> list[str]:
    """run_line over lines in order, with those that only fetch a URL run at once: kubectl
    retries a refused download for about 2 s, and a page holds nine of them."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        remote = {i: pool.submit(run_line, line, cwd, env)
                  for i, line in enumerate(lines) if _fetches_only(line)}  # fmt: skip
        local = {i: run_line(line, cwd, env) for i, line in enumerate(lines) if i not in remote}
    return [p for i in range(len(lines)) for p in (remote[i].result() if i in remote else local[i])]


def names_a_type(command: Command, types: set[str]) -> str | None:
    """`kubectl delete broker default rabbitmqbrokerconfig x` deletes only Brokers: after a
    bare type, every word is a name of that type. A later word that is a resource type is
    a second type meant, and lost."""
    args = list(command.args)
    while args and args[0].startswith("-"):
        args = args[2:] if args[0] in _VALUED else args[1:]
    if not args or args[0] not in _BY_TYPE_AND_NAME:
        return None
    positional, rest = [], args[1:]
    while rest:
        word, rest = rest[0], rest[1:]
        if word == "--":
            break
        if word.startswith("-"):
            rest = rest[1:] if word in _VALUED else rest
        else:
            positional.append(word)
    if not positional or "/" in positional[0]:
        return None
    lost = [word for word in positional[1:] if word.lower() in types]
    if lost:
        return f"{command}: {', '.join(lost)} is read as a {positional[0]} name, not a type"
    return None
