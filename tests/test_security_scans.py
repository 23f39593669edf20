"""Security scans as part of the suite: bandit over our code, pip-audit over the installed Python
packages, npm audit over the front-end packages. A finding fails unless security/allowlist.toml
lists it with a reason. pip-audit and npm audit ask the registries for advisories: where a
registry cannot answer, the test says so plainly (a skip with the reason) and does not fail."""

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = tomllib.loads((ROOT / "security" / "allowlist.toml").read_text())
BIN = Path(sys.executable).parent


def test_bandit_finds_nothing_not_reviewed():
    run = subprocess.run([str(BIN / "bandit"), "-q", "-r", "fieldapp", "sync", "-f", "json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    findings = json.loads(run.stdout)["results"]
    new = [f"{f['filename']}:{f['line_number']} {f['test_id']} {f['issue_text']}"
           for f in findings if f["test_id"] not in ALLOWED["bandit"]]
    assert not new, "bandit findings not in security/allowlist.toml:\n" + "\n".join(new)


def test_pip_audit_finds_no_known_vulnerability_not_reviewed():
    run = subprocess.run([str(BIN / "pip-audit"), "--progress-spinner", "off", "-f", "json"],
                         capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(run.stdout)
    except ValueError:
        pytest.skip("pip-audit could not reach an advisory service: " + run.stderr.strip()[-300:])
    audited = [d for d in report["dependencies"] if "skip_reason" not in d]
    if not audited:
        pytest.skip("the package registry here answers no advisory queries, so pip-audit checked "
                    f"none of {len(report['dependencies'])} packages")
    new = [f"{d['name']}=={d['version']} {v['id']}" for d in audited for v in d.get("vulns", [])
           if f"{d['name']}=={d['version']} {v['id']}" not in ALLOWED["pip-audit"]]
    assert not new, "known vulnerabilities not in security/allowlist.toml:\n" + "\n".join(new)


def test_npm_audit_finds_no_known_vulnerability_not_reviewed():
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    run = subprocess.run([npm, "audit", "--json"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    try:
        report = json.loads(run.stdout)
    except ValueError:
        pytest.skip("npm audit gave no report: " + run.stderr.strip()[-300:])
    if "error" in report:
        error = report["error"]
        said = report.get("message") or " ".join(str(error.get(k) or "") for k in ("summary", "detail"))
        pytest.skip("the npm registry here answers no audit queries: " + said[:300])
    # An advisory names its package once as a dict; other entries only point at it by name.
    new = [f"{name} {via['source']}: {via.get('title', '')}"
           for name, entry in report.get("vulnerabilities", {}).items()
           for via in entry.get("via", []) if isinstance(via, dict)
           and f"{name} {via['source']}" not in ALLOWED["npm-audit"]]
    assert not new, "npm advisories not in security/allowlist.toml:\n" + "\n".join(new)
