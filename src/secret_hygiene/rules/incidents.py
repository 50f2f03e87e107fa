"""The incident report: one entry per exposed secret, with the steps of the rotation policy.

An exposed secret is a value (grouped by its hash, wherever it appears) or a committed secret
file (grouped by path). The entry says where and since when it was exposed and whether it can
still be reached, never the value.
"""

from __future__ import annotations

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


def _group(finding: Finding) -> str:
    return f"value:{finding.secret.sha256}" if finding.secret else f"file:{finding.path}"


def incidents(findings: list[Finding]) -> list[dict[str, Any]]:
    """Grouped in the order the secrets entered history (findings without a commit - from
    `check` - are exposed now and sort first)."""
    exposing = [f for f in findings if f.rule in EXPOSING]
    files = {f.path for f in exposing if f.secret is None}
    groups: dict[str, list[Finding]] = {}
    for finding in exposing:  # a value inside a committed secret file is that file's incident
        key = f"file:{finding.path}" if finding.path in files else _group(finding)
        groups.setdefault(key, []).append(finding)
    result: list[dict[str, Any]] = []
    for members in groups.values():
        first = min(members, key=lambda f: (f.secret is not None,
                                            str(f.extra.get("author_date", "")), f.path or ""))
        kind = _kind(first)
        if first.secret is None:
            what = f"secret file {first.path}"
        else:
            what = f"{kind} value {first.secret.redacted} ({first.secret.length} chars)"
        since = first.extra.get("author_date")
        result.append({
            "what": what,
            "found_by": kind,
            "sha256": first.secret.sha256 if first.secret else None,
            "paths": sorted({m.path or "" for m in members}),
            "first_commit": first.extra.get("commit"),
            "since": since,
            "reachable_from_head": any(bool(m.extra.get("reachable_from_head", True))
                                       for m in members),
            "in_head": any(bool(m.extra.get("in_head", True)) for m in members),
            "findings": len(members),
            "steps": steps(str(since) if since else None),
        })
    result.sort(key=lambda item: (str(item["since"] or ""), item["paths"][0]))
    return result
