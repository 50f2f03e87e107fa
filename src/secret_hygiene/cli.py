"""Command line: parse, dispatch, decide the exit code.

Exit codes: 0 nothing at or above --fail-on; 1 findings; 2 usage, configuration or input the tool
could not process (one message naming the file; a traceback only with --debug), or a scan that
could not read everything it was asked to.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .config import BASELINE_NAME, ConfigError
from .context import Project, open_project
from .errors import CommandError
from .findings import (
    REDACTION,
    BaselineError,
    Finding,
    Report,
    Severity,
    assign_fingerprints,
    load_baseline,
    render_baseline,
)
from .manifest import ManifestError
from .repo import GitError
from .report import FORMATS, Style, render
from .rules import catalogue
from .rules.incidents import incidents

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("common options")
    group.add_argument("--format", choices=FORMATS, default="text", help="report format")
    group.add_argument("--output", metavar="FILE", help="write the report to FILE")
    group.add_argument("--manifest", metavar="PATH", help="manifest (default: "
                       "secret-manifest.yaml at the repository root)")
    group.add_argument("--baseline", metavar="FILE", help="baseline of accepted findings "
                       f"(default: {BASELINE_NAME} or .secrets.baseline if present)")
    group.add_argument("--select", action="append", default=[], metavar="RULE",
                       help="only these rules or prefixes (SH1, SH304); repeat or comma-separate")
    group.add_argument("--ignore", action="append", default=[], metavar="RULE",
                       help="skip these rules or prefixes")
    group.add_argument("--fail-on", choices=("error", "warning", "info"), default="error",
                       help="lowest severity that makes the exit code 1 (default: error)")
    group.add_argument("--no-color", action="store_true", help="never colour the text report")
    group.add_argument("-q", "--quiet", action="store_true",
                       help="only findings at or above --fail-on and the summary")
    group.add_argument("-v", "--verbose", action="count", default=0,
                       help="list skipped files and notes")
    group.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                       help="worker processes for the content scan (default: every core; 1 "
                            "scans in this process)")
    group.add_argument("--no-cache", action="store_true",
                       help="scan every file again instead of reusing cached results")
    group.add_argument("--no-baseline", action="store_true",
                       help="report every finding, ignoring any baseline")
    group.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secret-hygiene",
        description="Keep secrets out of git; prove a deployment's required secrets are wired "
                    "and present.")
    parser.add_argument("--version", action="version", version=f"secret-hygiene {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="all static checks (default: the whole repository)")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="limit content checks to these files (repository checks still run); "
                            "a single folder is checked as a project")
    check.add_argument("--from-hook", action="store_true", help=argparse.SUPPRESS)
    _common(check)

    validate = commands.add_parser("validate", help="validate the live secret values")
    validate.add_argument("--env", metavar="NAME", help="target environment (default: the "
                          "manifest's environment variable, then its default)")
    validate.add_argument("--backend", choices=("env", "aws", "vault"),
                          help="secret backend (default: the manifest's selector variable)")
    validate.add_argument("--as-of", metavar="DATE", type=_as_of,
                          help="judge rotation ages as of this ISO date or time (default: now)")
    _common(validate)

    history = commands.add_parser("history", help="scan every commit's content once per blob")
    history.add_argument("--since", metavar="REV", action="append", default=[],
                         help="only commits not reachable from REV (repeatable)")
    history.add_argument("--branch", metavar="REF", action="append", default=[],
                         help="only history reachable from REF (repeatable; default: every "
                              "ref)")
    history.add_argument("--no-progress", action="store_true",
                         help="no progress bar (it is only drawn when stderr is a terminal, and "
                              "never with -q)")
    _common(history)

    init = commands.add_parser("init", help="write a manifest from what the repository shows")
    init.add_argument("--force", action="store_true", help="overwrite an existing manifest")
    init.add_argument("--stdout", action="store_true", help="print the manifest, write nothing")
    _common(init)

    baseline = commands.add_parser("baseline", help="record today's findings as accepted")
    _common(baseline)

    rules = commands.add_parser("rules", help="list the rules, or explain one")
    rules.add_argument("rule", nargs="?", metavar="ID")
    _common(rules)
    return parser


def _split(values: list[str]) -> list[str]:
    return [part for value in values for part in value.replace(",", " ").split() if part]


def selected_rules(args: argparse.Namespace) -> set[str]:
    select, ignore = _split(args.select), _split(args.ignore)
    bad = catalogue.unknown(select + ignore)
    if bad:
        raise CommandError(f"unknown rule '{bad[0]}' in --select/--ignore "
                           "(see: secret-hygiene rules)")
    chosen = catalogue.matching(select) if select else {r.id for r in catalogue.RULES}
    return chosen - catalogue.matching(ignore)


def style_for(args: argparse.Namespace) -> Style:
    color = (args.format == "text" and not args.no_color and not args.output
             and "NO_COLOR" not in os.environ and sys.stdout.isatty())
    verbosity = -1 if args.quiet else args.verbose
    return Style(color=color, verbosity=verbosity, fail_on=Severity.parse(args.fail_on))


def exit_code(report: Report, fail_on: Severity) -> int:
    if not report.complete:
        return EXIT_ERROR
    if any(f.severity >= fail_on for f in report.findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def write_atomically(path: Path, text: str) -> None:
    """Replace a regular file (or create one) in one step; never a device, FIFO or folder."""
    path = path if path.is_absolute() else Path.cwd() / path
    if path.is_symlink():
        path = path.resolve()
    if path.exists() and not path.is_file():
        raise CommandError(f"{path}: cannot write: it is not a regular file")
    if not path.parent.is_dir():
        raise CommandError(f"{path}: cannot write: folder {path.parent} does not exist")
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        temporary = Path(name)
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8", "backslashreplace"))
        umask = os.umask(0)
        os.umask(umask)
        temporary.chmod(0o666 & ~umask)
        temporary.replace(path)
    except OSError as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise CommandError(f"{path}: cannot write: {error.strerror}") from None


def write_stdout(text: str, *, terminal: bool = True) -> None:
    """Text in the terminal's encoding; what it cannot show is replaced, never an error.

    For a terminal, undecodable bytes of file names go out as they are; machine-readable
    reports stay valid UTF-8 (such bytes are written as escapes).
    """
    encoding = sys.stdout.encoding or "utf-8"
    utf8 = encoding.lower().replace("-", "") == "utf8"
    errors = ("surrogateescape" if terminal else "backslashreplace") if utf8 else "replace"
    data = text.encode(encoding, errors)
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode(encoding, "replace"))
    else:
        sys.stdout.flush()
        buffer.write(data)
        buffer.flush()


def emit(report: Report, args: argparse.Namespace) -> int:
    style = style_for(args)
    assign_fingerprints(report.findings)
    report.findings.sort(key=Finding.sort_key)
    text = render(report, args.format, style)
    if args.output:
        write_atomically(Path(args.output), text)
        summary = render(Report(report.command, report.findings, report.skipped, [],
                                report.files, report.seconds, report.suppressed,
                                report.errors), "text", Style(verbosity=-1))
        sys.stderr.write(summary.splitlines()[-1] + f" -> {args.output}\n")  # -q keeps it
    else:
        write_stdout(text, terminal=args.format == "text")
    return exit_code(report, style.fail_on)


def apply_baseline(report: Report, project: Project, args: argparse.Namespace) -> None:
    if args.no_baseline:
        return
    path = project.baseline_path
    if path is None or not (path.exists() or path.is_symlink()):
        if path is not None and args.baseline:
            raise CommandError(f"{path}: baseline not found")
        return
    baseline = load_baseline(path)
    kept = [f for f in report.findings if not baseline.suppresses(f)]
    report.suppressed = len(report.findings) - len(kept)
    report.findings = kept
    stale = baseline.stale()
    if stale and report.command == "check" and report.sections.get("whole_repository"):
        report.notes.append(f"{stale} baseline entr{'y' if stale == 1 else 'ies'} in "
                            f"{path.name} no longer match anything (run `secret-hygiene "
                            "baseline` to prune)")


def _start(paths: list[str]) -> Path:
    """Where to look for the project: the working directory, unless the paths given live in
    another repository or the working directory is in none (`check /some/project`)."""
    from .repo import Repo

    cwd = Path.cwd()
    if not paths:
        return cwd
    first = Path(os.path.normpath(cwd / paths[0]))
    base = first if first.is_dir() else first.parent
    here = Repo.discover(cwd)
    if here is None or not base.resolve().is_relative_to(here.root.resolve()):
        return base
    return cwd


def _project(args: argparse.Namespace, start: Path | None = None) -> Project:
    return open_project(start or Path.cwd(), args.manifest, args.baseline)


def cmd_check(args: argparse.Namespace) -> int:
    from .scan import CheckOptions, run_check

    project = _project(args, _start(args.paths))
    paths: list[str] | None = args.paths or None
    if paths and len(paths) == 1 and Path(os.path.normpath(Path.cwd() / paths[0])).resolve() \
            == project.root.resolve():
        paths = None  # `check /path/to/project`: the whole project
    if args.from_hook and paths is None and not args.paths:
        paths = []  # pre-commit passed no file: content checks cover nothing
    report = run_check(project, CheckOptions(paths=paths, selected=selected_rules(args),
                                             jobs=args.jobs, cache=not args.no_cache))
    report.sections["whole_repository"] = paths is None
    if not project.manifest.present and args.manifest is None:
        report.notes.append("no secret-manifest.yaml: manifest checks were skipped "
                            "(run `secret-hygiene init` to write one)")
    apply_baseline(report, project, args)
    if report.scanned_content:
        report.sections["incidents"] = incidents(report.findings)
    report.sections.pop("whole_repository", None)
    return emit(report, args)


def cmd_validate(args: argparse.Namespace) -> int:
    from .rules.production import run_validate

    project = _project(args)
    if not project.manifest.present:
        raise CommandError("validate needs a manifest: no secret-manifest.yaml found at "
                           f"{project.root} (write one with `secret-hygiene init`)")
    report = run_validate(project, args.env, os.environ, args.backend, selected_rules(args),
                          as_of=args.as_of)
    return emit(report, args)


def _as_of(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date or time: {text!r} (e.g. "
                                         "2027-01-31 or 2027-01-31T12:00:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def cmd_history(args: argparse.Namespace) -> int:
    from .rules.history import HistoryOptions, run_history

    project = _project(args)
    options = HistoryOptions(since=args.since, branch=args.branch, jobs=args.jobs,
                             cache=not args.no_cache,
                             progress=not (args.no_progress or args.quiet))
    report = run_history(project, selected_rules(args), options)
    apply_baseline(report, project, args)
    report.sections["incidents"] = incidents(report.findings)
    return emit(report, args)


def cmd_baseline(args: argparse.Namespace) -> int:
    """Write the accepted findings. With --select, entries of other rules are kept."""
    from .scan import CheckOptions, run_check

    project = _project(args)
    selected = selected_rules(args)
    report = run_check(project, CheckOptions(selected=selected, jobs=args.jobs,
                                             cache=not args.no_cache))
    if not report.complete:
        emit(report, args)
        raise CommandError("the scan was incomplete; no baseline written")
    if args.output:
        target = Path(args.output)
    elif args.baseline or project.settings.baseline:
        target = project.baseline_path or project.root / BASELINE_NAME
    else:
        target = project.root / BASELINE_NAME
    if target.name == ".secrets.baseline":
        target = target.with_name(BASELINE_NAME)  # never rewrite detect-secrets' own file
    kept: set[tuple[str, str, str]] = set()
    if target.exists() and selected != {r.id for r in catalogue.RULES}:
        previous = load_baseline(target)
        kept = {entry for entry in previous.entries if entry[0] not in selected}
    write_atomically(target, render_baseline(report.findings, kept))
    if not args.quiet:
        print(f"wrote {len(report.findings) + len(kept)} accepted finding(s) to {target}")
    return EXIT_CLEAN


def cmd_init(args: argparse.Namespace) -> int:
    from .init import infer_manifest
    from .repo import Repo

    cwd = Path.cwd()
    repo = Repo.discover(cwd)
    root = repo.root if repo else cwd
    target = Path(args.manifest) if args.manifest else root / "secret-manifest.yaml"
    text, notes = infer_manifest(root, repo)
    for note in notes:
        sys.stderr.write(f"secret-hygiene: note: {note}\n")
    if args.stdout:
        write_stdout(text)
        return EXIT_CLEAN
    if (target.exists() or target.is_symlink()) and not args.force:
        raise CommandError(f"{target}: already exists (use --force to overwrite, or --stdout "
                           "to print a proposal)")
    write_atomically(target, text)
    print(f"wrote {target}: review it, then run `secret-hygiene check`")
    return EXIT_CLEAN


def cmd_rules(args: argparse.Namespace) -> int:
    chosen = catalogue.matching([args.rule]) if args.rule else {r.id for r in catalogue.RULES}
    if not chosen:
        raise CommandError(f"unknown rule '{args.rule}' (see: secret-hygiene rules)")
    rules = [rule for rule in catalogue.RULES if rule.id in chosen]
    if args.format == "json":
        write_stdout(json.dumps([{"id": r.id, "severity": r.severity.label, "title": r.title,
                                  "why": r.why, "example": r.example, "fix": r.fix}
                                 for r in rules], indent=2) + "\n")
        return EXIT_CLEAN
    if args.format != "text":
        raise CommandError("rules prints text or json")
    if len(rules) == 1:
        rule = rules[0]
        example = "\n".join(f"    {line}" for line in rule.example.splitlines())
        write_stdout(f"{rule.id} ({rule.severity.label}): {rule.title}\n\nWhy: {rule.why}\n\n"
                     f"Example:\n{example}\n\nFix: {rule.fix}\n")
        return EXIT_CLEAN
    write_stdout("".join(f"{r.id}  {r.severity.label:<7}  {r.title}\n" for r in rules))
    return EXIT_CLEAN


COMMANDS = {"check": cmd_check, "validate": cmd_validate, "history": cmd_history,
            "baseline": cmd_baseline, "init": cmd_init, "rules": cmd_rules}


def _manifest_report(error: ManifestError, args: argparse.Namespace) -> None:
    """A machine-readable report of an invalid manifest, for CI consumers of json/sarif."""
    if args.format == "text" or not hasattr(args, "format"):
        return
    report = Report(args.command)
    rule = catalogue.get("SH001")
    path = _display_path(error.path)
    for line, column, message in error.problems:
        report.findings.append(Finding(rule.id, rule.severity, path, line, column,
                                       message, "fix the manifest", subject=message))
    report.errors.append(f"invalid manifest {error.path}")
    with contextlib.suppress(CommandError):
        emit(report, args)


def _display_path(path: Path) -> str:
    """A path as findings name it: relative to the repository root when it is inside it."""
    from .repo import Repo

    repo = Repo.discover(Path.cwd())
    root = repo.root if repo else Path.cwd()
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    # A run builds large graphs of small objects (YAML nodes, findings) and little cyclic
    # garbage: fewer collection passes make big files ~30% faster for bounded extra memory.
    gc.set_threshold(100_000, 50, 50)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        Path.cwd()
    except OSError as error:
        sys.stderr.write(f"secret-hygiene: error: cannot use the working directory: "
                         f"{error.strerror}\n")
        return EXIT_ERROR
    try:
        return COMMANDS[args.command](args)
    except ManifestError as error:
        shown = _display_path(error.path)
        for line, column, message in error.problems:
            sys.stderr.write(f"secret-hygiene: error: {shown}:{line}:{column}: {message} "
                             "(SH001)\n")
        _manifest_report(error, args)
        return EXIT_ERROR
    except (CommandError, ConfigError, BaselineError, GitError) as error:
        sys.stderr.write(f"secret-hygiene: error: {REDACTION.scrub(str(error))}\n")
        return EXIT_ERROR
    except BrokenPipeError:  # the reader went away (`| head`): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_CLEAN
    except KeyboardInterrupt:
        sys.stderr.write("secret-hygiene: interrupted\n")
        return EXIT_ERROR
    except Exception as error:
        if getattr(args, "debug", False):
            sys.stderr.write(REDACTION.scrub(traceback.format_exc()))
        message = REDACTION.scrub(str(error).splitlines()[0] if str(error) else "")
        sys.stderr.write(f"secret-hygiene: internal error: {type(error).__name__}: {message} "
                         "(run with --debug for details)\n")
        return EXIT_ERROR
