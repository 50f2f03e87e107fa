"""Command line: parse, dispatch, decide the exit code.

Exit codes: 0 nothing at or above --fail-on; 1 findings; 2 usage, configuration or input the tool
could not process (one message naming the file; a traceback only with --debug), or a scan that
could not read everything it was asked to.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
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
    group.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secret-hygiene",
        description="Keep secrets out of git; prove a deployment's required secrets are wired "
                    "and present.")
    parser.add_argument("--version", action="version", version=f"secret-hygiene {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="all static checks (default: the whole repository)")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="limit content checks to these files (repository checks still run)")
    _common(check)

    validate = commands.add_parser("validate", help="validate the live secret values")
    validate.add_argument("--env", metavar="NAME", help="target environment (default: the "
                          "manifest's environment variable, then its default)")
    validate.add_argument("--backend", choices=("env", "aws", "vault"),
                          help="secret backend (default: the manifest's selector variable)")
    _common(validate)

    history = commands.add_parser("history", help="scan every commit's content once per blob")
    history.add_argument("--since", metavar="REV", help="only commits not reachable from REV")
    history.add_argument("--branch", metavar="REF", help="only history reachable from REF "
                         "(default: every ref)")
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
    path = path if path.is_absolute() else Path.cwd() / path
    if not path.parent.is_dir():
        raise CommandError(f"{path}: cannot write: folder {path.parent} does not exist")
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        temporary = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        temporary.replace(path)
    except OSError as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise CommandError(f"{path}: cannot write: {error.strerror}") from None


def emit(report: Report, args: argparse.Namespace) -> int:
    style = style_for(args)
    assign_fingerprints(report.findings)
    report.findings.sort(key=Finding.sort_key)
    text = render(report, args.format, style)
    if args.output:
        write_atomically(Path(args.output), text)
        if not args.quiet:
            summary = render(Report(report.command, report.findings, report.skipped, [],
                                    report.files, report.seconds, report.suppressed,
                                    report.errors), "text", Style(verbosity=-1))
            sys.stderr.write(summary.splitlines()[-1] + f" -> {args.output}\n")
    else:
        sys.stdout.write(text)
    return exit_code(report, style.fail_on)


def apply_baseline(report: Report, project: Project, explicit: bool) -> None:
    path = project.baseline_path
    if path is None or not path.exists():
        if path is not None and explicit:
            raise CommandError(f"{path}: baseline not found")
        return
    baseline = load_baseline(path)
    kept = [f for f in report.findings if not baseline.suppresses(f)]
    report.suppressed = len(report.findings) - len(kept)
    report.findings = kept


def _project(args: argparse.Namespace) -> Project:
    return open_project(Path.cwd(), args.manifest, args.baseline)


def cmd_check(args: argparse.Namespace) -> int:
    from .scan import CheckOptions, run_check

    project = _project(args)
    report = run_check(project, CheckOptions(paths=args.paths or None,
                                             selected=selected_rules(args)))
    if not project.manifest.present and args.manifest is None:
        report.notes.append("no secret-manifest.yaml: manifest checks were skipped "
                            "(run `secret-hygiene init` to write one)")
    apply_baseline(report, project, explicit=bool(args.baseline))
    return emit(report, args)


def cmd_validate(args: argparse.Namespace) -> int:
    from .rules.production import run_validate

    project = _project(args)
    if not project.manifest.present:
        raise CommandError("validate needs a manifest: no secret-manifest.yaml found at "
                           f"{project.root} (write one with `secret-hygiene init`)")
    report = run_validate(project, args.env, os.environ, args.backend, selected_rules(args))
    return emit(report, args)


def cmd_history(args: argparse.Namespace) -> int:
    from .rules.history import run_history

    project = _project(args)
    report = run_history(project, args.since, args.branch, selected_rules(args))
    apply_baseline(report, project, explicit=bool(args.baseline))
    return emit(report, args)


def cmd_baseline(args: argparse.Namespace) -> int:
    from .scan import CheckOptions, run_check

    project = _project(args)
    report = run_check(project, CheckOptions(selected=selected_rules(args)))
    if not report.complete:
        emit(report, args)
        raise CommandError("the scan was incomplete; no baseline written")
    target = project.baseline_path if args.baseline or project.settings.baseline else None
    if target is None or target.name == ".secrets.baseline":
        target = project.root / BASELINE_NAME
    write_atomically(target, render_baseline(report.findings))
    if not args.quiet:
        print(f"wrote {len(report.findings)} accepted finding(s) to {target}")
    return EXIT_CLEAN


def cmd_init(args: argparse.Namespace) -> int:
    from .init import infer_manifest
    from .repo import Repo

    cwd = Path.cwd()
    repo = Repo.discover(cwd)
    root = repo.root if repo else cwd
    target = Path(args.manifest) if args.manifest else root / "secret-manifest.yaml"
    text = infer_manifest(root, repo)
    if args.stdout:
        sys.stdout.write(text)
        return EXIT_CLEAN
    if target.exists() and not args.force:
        raise CommandError(f"{target}: already exists (use --force to overwrite, or --stdout "
                           "to print a proposal)")
    write_atomically(target, text)
    print(f"wrote {target}: review it, then run `secret-hygiene check`")
    return EXIT_CLEAN


def cmd_rules(args: argparse.Namespace) -> int:
    if args.rule:
        try:
            rule = catalogue.get(args.rule)
        except KeyError:
            raise CommandError(f"unknown rule '{args.rule}' (see: secret-hygiene rules)") \
                from None
        print(f"{rule.id} ({rule.severity.label}): {rule.title}\n")
        print(f"Why: {rule.why}\n")
        print("Example:")
        print("\n".join(f"    {line}" for line in rule.example.splitlines()))
        print(f"\nFix: {rule.fix}")
        return EXIT_CLEAN
    for rule in catalogue.RULES:
        print(f"{rule.id}  {rule.severity.label:<7}  {rule.title}")
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
    parser = build_parser()
    args = parser.parse_args(argv)
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
