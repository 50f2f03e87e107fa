"""The incident report: one entry per exposed secret, with the steps of the rotation policy.

An exposed secret is a value (grouped by its hash, wherever it appears) or a committed secret
file (grouped by path). The entry says where and since when it was exposed and whether it can
still be reached, never the value.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..findings import Finding

# the findings that mean a secret is (or was) exposed in the repository: literal values, leaks,
# committed secret files, and anything history found
EXPOSING = frozenset({"SH101", "SH102", "SH201", "SH501"})


def steps(since: str | None) -> list[str]:
    audit = f"since {since}" if since else "since it was first committed"
    return [
        "rotate it now: generate a new value, update the store, restart or redeploy so it is "
        "loaded",
        "revoke the replaced credential and every token or session it may have issued",
        f"audit the logs for use of it {audit}",
        "find how it leaked and fix the process; remove it from history if required (git "
        "filter-repo, then force-push and ask every clone to re-clone: clones keep it)",
    ]


KINDS = {"SH101": "literal secret", "SH103": "literal fallback", "SH201": "secret file"}


def _kind(finding: Finding) -> str:
    """What was exposed, in the words of the rule that found it."""
    extra = finding.extra
    if extra.get("found_by_name"):
        return str(extra["found_by_name"])
    if extra.get("type"):  # a leak plugin's name
        return str(extra["type"])
    return KINDS.get(str(extra.get("found_by") or finding.rule), "secret")


def _moment(finding: Finding) -> datetime:
    """When a finding's commit was authored (time zones compared, not strings); findings of
    `check` (no commit) come first."""
    text = str(finding.extra.get("author_date") or "")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _group(finding: Finding) -> str:
    return f"value:{finding.secret.sha256}" if finding.secret else f"file:{finding.path}"


def incidents(findings: list[Finding]) -> list[dict[str, Any]]:
    """Grouped in the order the secrets entered history (findings without a commit - from
    `check` - are exposed now and sort first)."""
    exposing = [f for f in findings if f.rule in EXPOSING]
    groups: dict[str, list[Finding]] = {}
    value_paths: dict[str | None, list[str]] = {}
    for finding in exposing:  # one incident per value, wherever it appears
        if finding.secret is not None:
            key = _group(finding)
            groups.setdefault(key, []).append(finding)
            value_paths.setdefault(finding.path, []).append(key)
    for finding in exposing:  # a secret file goes with the values found in it, else alone
        if finding.secret is None:
            for key in value_paths.get(finding.path) or [_group(finding)]:
                groups.setdefault(key, []).append(finding)
    result: list[tuple[datetime, dict[str, Any]]] = []
    for members in groups.values():
        first = min(members, key=lambda f: (_moment(f), f.secret is None, f.path or ""))
        value = next((m for m in members if m.secret is not None), first)
        kind = _kind(value)
        if value.secret is None:
            what = f"secret file {first.path}"
        else:
            what = f"{kind} value {value.secret.redacted} ({value.secret.length} chars)"
        since = first.extra.get("author_date")
        result.append((_moment(first), {
            "what": what,
            "found_by": kind,
            "sha256": value.secret.sha256 if value.secret else None,
            "paths": sorted({m.path or "" for m in members}),
            "first_commit": first.extra.get("commit"),
            "since": since,
            "reachable_from_head": any(bool(m.extra.get("reachable_from_head", True))
                                       for m in members),
            "in_head": any(bool(m.extra.get("in_head", True)) for m in members),
            "findings": len(members),
            "steps": steps(str(since) if since else None),
        }))
    result.sort(key=lambda pair: (pair[0], pair[1]["paths"][0]))
    return [item for _, item in result]
