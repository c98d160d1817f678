#!/usr/bin/env python3
"""Checks of the observability files that need no running border (issue 18).

  check_obs.py SRC dashboard [--names FILE]
      deploy/grafana/mcsec-border.json is valid JSON, has a "partner" template
      variable that the per-partner queries use, and every metric name its
      queries (and variable queries) use exists: in the metric tables of
      docs/observability.md (histograms with _bucket/_sum/_count), as a
      recording rule of deploy/prometheus/alerts.yml, or built into
      Prometheus (ALERTS, up). With --names FILE (one name a line, e.g. the
      names a real Prometheus scraped from real proxies: obs.two_borders),
      FILE replaces the documented tables.
  check_obs.py SRC alerts
      every alert of deploy/prometheus/alerts.yml has severity warning or
      critical and an alarm label; an alarm code is one of
      libmcsec/src/obs/alarm.c (and then the severity agrees with its syslog
      priority: err = critical, warning = warning) or one of the
      Prometheus-only codes docs/observability.md names; every runbook_url
      is an anchor of a heading of docs/operator-guide.md; every alert is in
      docs/observability.md's alert table; every code of alarm.c has an alert.
  check_obs.py SRC exprs
      prints every dashboard query, one a line, with the variables replaced
      ($border, $partner: .*; $__rate_interval: 1m), for a real Prometheus.
Exit 0 when all hold, 1 with one line per problem.
"""
import json
import re
import sys

import yaml

BUILTIN = {"ALERTS", "ALERTS_FOR_STATE", "up"}
# PromQL words that look like names: functions, aggregations, keywords.
NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def doc_metrics(src):
    """Names of the metric tables of docs/observability.md: {name: type}."""
    text = read(f"{src}/docs/observability.md")
    out = {}
    section = text.split("\n## Metrics", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        m = re.match(r"\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`(?:,\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`)?\s*\|\s*([^|]*)\|", line)
        if m:
            for name in (m.group(1), m.group(2)):
                if name:
                    out[name] = m.group(3).strip()
    return out


def rules(src):
    doc = yaml.safe_load(read(f"{src}/deploy/prometheus/alerts.yml"))
    return [r for g in doc["groups"] for r in g["rules"]]


def expr_names(expr):
    """Metric names an expression selects: identifiers outside strings,
    label matchers and by/without/on/ignoring lists, not followed by "("
    (a function), not PromQL keywords."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"`[^`]*`", '""', e)
    e = re.sub(r"\{[^}]*\}", "", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", e)
    e = re.sub(r"\[[^\]]*\]", "", e)
    e = re.sub(r"\$\{?[a-zA-Z_]+\}?", "", e)
    keywords = {"and", "or", "unless", "offset", "bool", "inf", "nan", "by", "without", "on",
                "ignoring", "group_left", "group_right", "le"}
    names = set()
    for m in NAME_RE.finditer(e):
        word = m.group(0)
        rest = e[m.end():].lstrip()
        if rest.startswith("(") or word.lower() in keywords:
            continue
        if re.fullmatch(r"[0-9eE.]+", word):
            continue
        names.add(word)
    return names


def dashboard_queries(dash):
    """(where, expr) for every query of the dashboard."""
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((p.get("title", "?"), t["expr"]))
            walk(p.get("panels", []))

    walk(dash.get("panels", []))
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if v.get("type") == "query" and q:
            m = re.match(r"label_values\((.*),\s*[a-zA-Z_]+\)\s*$", q)
            out.append((f"variable {v['name']}", m.group(1) if m else q))
    return out


def check_dashboard(src, names_file):
    problems = []
    try:
        dash = json.loads(read(f"{src}/deploy/grafana/mcsec-border.json"))
    except (OSError, ValueError) as err:
        return [f"deploy/grafana/mcsec-border.json: not valid JSON: {err}"]
    variables = {v.get("name") for v in dash.get("templating", {}).get("list", [])}
    if "partner" not in variables:
        problems.append("the dashboard has no template variable 'partner'")
    records = {r["record"] for r in rules(src) if "record" in r}
    if names_file:
        known = {line.strip() for line in read(names_file).splitlines() if line.strip()}
        source = names_file
    else:
        known = set()
        for name, typ in doc_metrics(src).items():
            known.add(name)
            if typ.startswith("histogram"):
                known |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
        source = "docs/observability.md"
    queries = dashboard_queries(dash)
    if len(queries) < 10:
        problems.append(f"only {len(queries)} queries in the dashboard")
    uses_partner = 0
    seen = set()
    for where, expr in queries:
        if "$partner" in expr:
            uses_partner += 1
        for name in expr_names(expr):
            seen.add(name)
            if name in BUILTIN or name in records or name in known:
                continue
            problems.append(f"panel '{where}': metric {name} is neither in {source} nor a recording rule")
    if uses_partner < 5:
        problems.append(f"only {uses_partner} queries filter on $partner")
    if not problems:
        print(f"ok: {len(queries)} queries, {len(seen)} metric names, all in {source}, "
              f"the recording rules or Prometheus itself")
    return problems


def anchors(markdown):
    """GitHub-style anchors of the headings of a Markdown text."""
    out = set()
    for line in markdown.splitlines():
        m = re.match(r"#{1,6}\s+(.*)", line)
        if m:
            a = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            out.add(a)
    return out


def check_alerts(src):
    problems = []
    alarm_c = read(f"{src}/libmcsec/src/obs/alarm.c")
    codes = {m.group(1): ("critical" if m.group(2) == "ERR" else "warning")
             for m in re.finditer(r'\{"([a-z_.]+)",\s*PRIO_(ERR|WARNING)\}', alarm_c)}
    if len(codes) < 7:
        problems.append(f"found only {len(codes)} alarm codes in libmcsec/src/obs/alarm.c")
    obs = read(f"{src}/docs/observability.md")
    prom_only = set()
    m = re.search(r"except\s+((?:`[a-z_.]+`[,\s]*(?:and\s+)?)+)", obs)
    if m:
        prom_only = set(re.findall(r"`([a-z_.]+)`", m.group(1)))
    if not prom_only:
        problems.append("docs/observability.md does not name the Prometheus-only alarm codes")
    guide_anchors = anchors(read(f"{src}/docs/operator-guide.md"))
    used = set()
    n = 0
    for r in rules(src):
        if "alert" not in r:
            continue
        n += 1
        name = r["alert"]
        labels = r.get("labels", {})
        sev, alarm = labels.get("severity"), labels.get("alarm")
        if sev not in ("warning", "critical"):
            problems.append(f"{name}: severity '{sev}' is not warning or critical")
        used.add(alarm)
        if not alarm:
            problems.append(f"{name}: no alarm label")
        elif alarm in codes:
            if codes[alarm] != sev:
                problems.append(f"{name}: severity {sev}, but alarm.c logs {alarm} as {codes[alarm]}")
        elif alarm not in prom_only:
            problems.append(f"{name}: alarm '{alarm}' is neither in alarm.c nor a documented Prometheus-only code")
        url = r.get("annotations", {}).get("runbook_url", "")
        um = re.fullmatch(r"docs/operator-guide\.md#([a-z0-9-]+)", url)
        if not um:
            problems.append(f"{name}: runbook_url '{url}' is not docs/operator-guide.md#anchor")
        elif um.group(1) not in guide_anchors:
            problems.append(f"{name}: runbook_url anchor #{um.group(1)} is no heading of docs/operator-guide.md")
        if f"[{name}](operator-guide.md#" not in obs:
            problems.append(f"{name}: not in the alert table of docs/observability.md")
        for key in ("summary", "description"):
            if not r.get("annotations", {}).get(key):
                problems.append(f"{name}: no {key} annotation")
    for code in sorted(set(codes) - used):
        problems.append(f"alarm {code} of alarm.c has no alert in deploy/prometheus/alerts.yml")
    if not problems:
        print(f"ok: {n} alerts, each with severity, alarm code, runbook and a row in docs/observability.md")
    return problems


def print_exprs(src):
    dash = json.loads(read(f"{src}/deploy/grafana/mcsec-border.json"))
    for _, expr in dashboard_queries(dash):
        e = expr.replace("$__rate_interval", "1m").replace("$border", ".*").replace("$partner", ".*")
        print(" ".join(e.split()))
    return []


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, what = argv[1], argv[2]
    if what == "dashboard":
        names = argv[4] if len(argv) > 4 and argv[3] == "--names" else None
        problems = check_dashboard(src, names)
    elif what == "alerts":
        problems = check_alerts(src)
    elif what == "exprs":
        problems = print_exprs(src)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(f"FAIL: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
