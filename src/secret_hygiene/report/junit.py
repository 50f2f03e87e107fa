"""JUnit XML: one test case per finding (failing at or above --fail-on), so CI shows them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..findings import Report
from . import Style, printable
from .text import location


def render(report: Report, style: Style) -> str:
    failing = [f for f in report.findings if f.severity >= style.fail_on]
    errors = [s for s in report.skipped if s.incomplete]
    suites = ET.Element("testsuites", name="secret-hygiene")
    suite = ET.SubElement(suites, "testsuite", name=f"secret-hygiene {report.command}",
                          tests="0", failures=str(len(failing)),
                          errors=str(len(errors) + len(report.errors)), skipped="0",
                          time=f"{report.seconds:.3f}")
    tests = 0
    for finding in report.findings:
        tests += 1
        case = ET.SubElement(suite, "testcase", classname=finding.rule,
                             name=f"{location(finding)} {finding.rule}", time="0")
        body = printable(f"{finding.message}\nhint: {finding.hint}" if finding.hint
                         else finding.message).replace("\\n", "\n")
        if finding.severity >= style.fail_on:
            failure = ET.SubElement(case, "failure", type=finding.severity.label,
                                    message=printable(finding.message))
            failure.text = body
        else:
            out = ET.SubElement(case, "system-out")
            out.text = f"{finding.severity.label}: {body}"
    for skipped in errors:
        tests += 1
        case = ET.SubElement(suite, "testcase", classname="incomplete",
                             name=printable(skipped.path), time="0")
        error = ET.SubElement(case, "error", type="incomplete",
                              message=f"could not read: {printable(skipped.reason)}")
        error.text = printable(f"{skipped.path}: {skipped.reason}")
    for message in report.errors:
        tests += 1
        case = ET.SubElement(suite, "testcase", classname="incomplete", name="run", time="0")
        ET.SubElement(case, "error", type="incomplete", message=message).text = message
    if tests == 0:
        tests = 1
        ET.SubElement(suite, "testcase", classname="secret-hygiene", name=report.command,
                      time=f"{report.seconds:.3f}")
    suite.set("tests", str(tests))
    suites.set("tests", str(tests))
    suites.set("failures", str(len(failing)))
    suites.set("errors", suite.get("errors", "0"))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") \
        + "\n"
