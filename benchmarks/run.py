"""Archive-scale benchmark: time every command as a whole process against a synthetic archive.

    python benchmarks/run.py                       # 100,000 entries
    python benchmarks/run.py --sizes 10000,30000,100000 --json benchmarks/results/run.json
    python benchmarks/run.py --hostile-sizes 100000,400000     # hostile inputs: cost must grow linearly

Each figure is also given as a ratio to the floor: loading the same YAML files with
the C YAML loader and nothing else, measured in the same run.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "tests" / "data" / "seeds" / "archive-2024.md"
CONFIG = REPO / "newsletter.toml"

ORGS = [
    "Google DeepMind", "OpenAI", "Meta", "Microsoft Research", "Anthropic", "NVIDIA", "Apple",
    "Tsinghua University", "KAIST", "Stanford University", "UC Berkeley", "Mistral AI", "Qwen",
    "Alibaba", "HuggingFace", "AI2", "CMU", "MIT", "Upstage", "NAVER", "Cohere", "ByteDance",
]
TYPO_ORGS = ["UC Berkely", "Mitral AI", "Tancent", "Priceton-NLP", "Google Reserach"]
HOSTS = {
    "paper": ["https://arxiv.org/abs/{a}.{b:05d}", "https://openreview.net/forum?id=x{b}", "https://aclanthology.org/2024.acl-long.{c}/"],
    "dev": ["https://github.com/org{c}/project-{b}", "https://huggingface.co/blog/post-{b}", "https://openai.com/index/post-{b}/"],
    "news": ["https://www.theverge.com/2024/{c}/{b}/story", "https://techcrunch.com/2024/{c}/{b}/story/"],
}


def _vocabulary() -> tuple[list[str], list[str]]:
    """Titles and summary lines taken from the real archive, so lengths and scripts are realistic."""
    text = SEED.read_text(encoding="utf-8")
    titles = re.findall(r"\[([^\[\]]{12,200})\]\(http", text)
    bullets = [m.strip() for m in re.findall(r"^ {4,8}- (.+)$", text, re.M) if "](" not in m]
    return titles, bullets


def _entry(rng: random.Random, n: int, titles: list[str], bullets: list[str]) -> dict:
    kind = rng.choices(["paper", "dev", "news"], [60, 32, 8])[0]
    url = rng.choice(HOSTS[kind]).format(a=2000 + n // 100000, b=n % 100000, c=n % 97 + 1)
    entry: dict = {"type": kind, "title": f"{rng.choice(titles)} #{n}"}
    if rng.random() < 0.7:
        entry["org"] = rng.sample(ORGS, rng.choice([1, 1, 1, 2, 3]))
        if len(entry["org"]) == 1:
            entry["org"] = entry["org"][0]
    defect = rng.random()
    if defect < 0.01:
        pass  # no link
    elif defect < 0.02:
        entry["url"] = url + "?utm_source=newsletter&utm_medium=email"
    elif defect < 0.03:
        entry["url"] = url.replace("https://arxiv.org/abs/", "https://arxiv.org/pdf/") + "v2"
    elif defect < 0.04:
        entry["url"] = url.replace("https://", "http://")
    elif defect < 0.05:
        entry["url"] = url
        entry["org"] = rng.choice(TYPO_ORGS)
    else:
        entry["url"] = url
    summary: list = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
        if rng.random() < 0.15:
            summary.append({"text": rng.choice(bullets), "items": rng.sample(bullets, 2)})
        else:
            summary.append(rng.choice(bullets))
    if summary:
        entry["summary"] = summary
    return entry


def generate(root: Path, total: int, seed: int = 7) -> int:
    """Write a project with ``total`` entries in weeks of 40–60 entries; return the number of weeks."""
    rng = random.Random(seed)
    titles, bullets = _vocabulary()
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(CONFIG, root / "newsletter.toml")
    n, weeks, day = 0, 0, dt.date(1990, 1, 1)
    while n < total:
        count = min(rng.randint(40, 60), total - n)
        entries = [_entry(rng, n + i, titles, bullets) for i in range(count)]
        if weeks % 20 == 3 and n > 0:
            entries[0]["url"] = "https://arxiv.org/abs/2000.00001"  # a repeat across issues
        n += count
        week = (day.day + 6) // 7
        path = root / "issues" / f"{day.year}" / f"{day.year}-{day.month:02d}-W{week}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, {"date": day.isoformat(), "entries": entries})
        weeks += 1
        day = _next_week(day)
    return weeks


def _write(path: Path, doc: dict) -> None:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1 << 30), encoding="utf-8")


def edit_one_week(project: Path) -> Path:
    """Change the first title of the middle week, as an editor fixing a typo would; return its file."""
    files = sorted((project / "issues").rglob("*.yaml"))
    path = files[len(files) // 2]
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    doc["entries"][0]["title"] = "Edited " + doc["entries"][0]["title"]
    _write(path, doc)
    return path


def _next_week(day: dt.date) -> dt.date:
    """The first day of the next week under the day-of-month rule (1, 8, 15, 22, 29)."""
    nxt = day.day + 7
    if nxt > calendar.monthrange(day.year, day.month)[1]:
        return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day.replace(day=nxt)


MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(elapsed, usage.ru_maxrss, p.returncode, usage.ru_utime + usage.ru_stime)
sys.stderr.write(p.stderr.decode(errors="replace")[-2000:])
"""

FLOOR = """
import sys, yaml
from pathlib import Path
for p in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
"""


# the web archive's search index alone, on one core: every issue's record, then every year's file. The build makes
# the records with the rest of each issue, on every core, and an edit makes its year's file again. Prints the
# seconds and CPU seconds of all years, then of the year given.
INDEX = """
import sys, time
from collections import defaultdict
from pathlib import Path
from newsletter.load import load_issue
from newsletter.project import Project
from newsletter.site import search
from newsletter.site.listing import OrgNames, anchors
from newsletter.site.pages import id_label
from newsletter.rules.text import builtin_orgs
project = Project(Path("."))
issues = [(p.stem, load_issue(p)[0].issue) for p in project.issue_files()]
orgs = OrgNames(project.config, builtin_orgs())
def index(chosen):
    t, c = time.perf_counter(), time.process_time()
    years = defaultdict(list)
    for i, issue in chosen:
        named = [[orgs.name_and_slug(o) for o in e.org] for e in issue.entries]
        ids = anchors(e.title for e in issue.entries)
        years[issue.date.year].append(search.record(i, issue, id_label(i, project.config), ids, named))
    for records in years.values():
        search.year_index(records)
    return time.perf_counter() - t, time.process_time() - c
print(*index(issues), *index([(i, x) for i, x in issues if i.startswith(sys.argv[1])]))
"""


def measure(cmd: list[str], cwd: Path) -> dict:
    """Run ``cmd`` in a fresh process; return wall seconds, peak RSS (MB), the exit status and the CPU seconds of
    it and every process it waited for (on a machine shared with other work, wall time follows the load)."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], cwd=cwd, capture_output=True, text=True)
    seconds, rss_kb, status, cpu = out.stdout.split()
    return {"seconds": float(seconds), "peak_rss_mb": int(rss_kb) / 1024, "exit": int(status), "cpu_seconds": float(cpu),
            "stderr": out.stderr[-300:]}


def index_alone(project: Path, year: str) -> tuple[dict, dict]:
    """The search index's own time, of every year and of ``year``, measured inside a process that loaded the issues."""
    out = subprocess.run([sys.executable, "-c", INDEX, year], cwd=project, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"search index benchmark failed: {out.stderr[-2000:]}")
    every, every_cpu, one, one_cpu = map(float, out.stdout.split())
    step = {"peak_rss_mb": 0.0, "exit": 0, "stderr": ""}
    return {**step, "seconds": every, "cpu_seconds": every_cpu}, {**step, "seconds": one, "cpu_seconds": one_cpu}


def run_size(total: int, work: Path) -> dict:
    """Generate an archive of ``total`` entries and time every command against it."""
    exe = str(Path(sys.executable).parent / "newsletter")
    project = work / f"archive-{total}"
    weeks = generate(project, total)
    steps: dict[str, dict] = {}
    steps["floor (C YAML load)"] = measure([sys.executable, "-c", FLOOR, "issues"], project)
    steps["newsletter --help"] = measure([exe, "--help"], project)
    steps["check"] = measure([exe, "check", "--format", "json"], project)
    shutil.rmtree(project / ".newsletter-cache", ignore_errors=True)
    shutil.rmtree(project / "dist", ignore_errors=True)
    steps["build (cold)"] = measure([exe, "build"], project)
    steps["build (no change)"] = measure([exe, "build"], project)
    year = edit_one_week(project).parent.name
    steps["build (one week edited)"] = measure([exe, "build"], project)
    # part of the builds above: the cold one makes every year's index, the edit makes its year's again
    steps["search index alone"], steps["search index, one year"] = index_alone(project, year)
    target = work / f"import-{total}"
    target.mkdir()
    shutil.copy(CONFIG, target / "newsletter.toml")
    steps["import digest.md"] = measure([exe, "import", str(project / "dist" / "digest.md")], target)
    floor, floor_cpu = steps["floor (C YAML load)"]["seconds"], steps["floor (C YAML load)"]["cpu_seconds"]
    for s in steps.values():
        s["ratio_to_floor"] = s["seconds"] / floor
        s["cpu_ratio_to_floor"] = s["cpu_seconds"] / floor_cpu
        s["entries_per_second"] = total / s["seconds"]
    return {"entries": total, "weeks": weeks, "steps": steps}


# hostile inputs of about n characters each, one issue file: their cost must grow linearly with n
HOSTILE_ENTRY = "  - type: paper\n    title: T{k}\n    url: {url}\n"


def _hostile_cases(n: int) -> dict[str, str]:
    head = "date: 2024-09-16\npublished: 2024-09-20T09:00:00+09:00\nentries:\n"
    one = HOSTILE_ENTRY.format(k=0, url="https://arxiv.org/abs/2409.12917")
    links = " ".join(f"[l{k}](https://example.com/{k})" for k in range(n // 32))
    return {
        "long organisation name": head + one + f"    org: {'Google DeepMind ' * (n // 16)}\n",
        "open brackets in a summary": head + one + f"    summary:\n      - '{'[' * (n // 2)}]({'[[[[](' * (n // 12)}'\n",
        "summary links (footnotes)": head + one + f"    summary:\n      - '{links}'\n",
        "HTML-like text in a summary": head + one + f"    summary:\n      - '{'<a x=1 ' * (n // 7)}'\n",
        "entries with one # noqa": head + "".join(
            HOSTILE_ENTRY.format(k=k, url=f"http://example.com/{k}" + ("  # noqa" if k == 0 else "")) for k in range(n // 60)),
        "entries with an unknown key": head + "".join(
            HOSTILE_ENTRY.format(k=k, url=f"https://example.com/{k}") + f"    titel{k}: x\n" for k in range(n // 70)),
        "verbatim lines kept by import": head + one + "style:\n  before:\n" + "".join(
            f"    - '[x{k}](https://example.com/{k}) <b>{k}</b>'\n" for k in range(n // 50)),
    }


def _hostile_imports(n: int) -> dict[str, str]:
    """Markdown archives of about n characters with one hostile line each, for ``import``."""
    week = "# 2024\n## ☃ February\n<details>\n  <summary>1st week</summary>\n\n- 📜 [T](https://arxiv.org/abs/1)\n{}\n</details>\n"
    return {
        "import: a line of open brackets": week.format("- 📜 [" + "[" * n),
        "import: a line of '](' pairs": week.format("- 📜 [Org] [" + "a](" * (n // 3)),
        "import: a line of HTML-like tags": week.format("    - " + "<details>" * (n // 9)),
        "import: bullets nested deeper and deeper": week.format("".join("  " * i + "- x\n" for i in range(1, int(n ** 0.5)))),
    }


def run_hostile(n: int, work: Path) -> dict:
    """``check`` and cold ``build`` of each hostile case of size ``n``."""
    exe = str(Path(sys.executable).parent / "newsletter")
    steps: dict[str, dict] = {}
    for name, text in _hostile_cases(n).items():
        project = work / f"hostile-{n}-{len(steps)}"
        (project / "issues" / "2024").mkdir(parents=True)
        (project / "newsletter.toml").write_text("", encoding="utf-8")
        (project / "issues" / "2024" / "2024-09-W3.yaml").write_text(text, encoding="utf-8")
        for command in ("check", "build"):
            steps[f"{command}: {name}"] = measure([exe, command], project)
    for name, text in _hostile_imports(n).items():
        project = work / f"hostile-{n}-{len(steps)}"
        project.mkdir(parents=True)
        (project / "newsletter.toml").write_text("", encoding="utf-8")
        (project / "in.md").write_text(text, encoding="utf-8")
        steps[name] = measure([exe, "import", "in.md", "--dry-run"], project)
    return {"chars": n, "steps": steps}


def report_hostile(results: list[dict]) -> str:
    names = list(results[0]["steps"])
    lines = [f"\n{'hostile input':44}" + "".join(f"{r['chars']:>12,} chars" for r in results) + "   peak MB (largest)"]
    for name in names:
        cells = "".join(f"{r['steps'][name]['seconds']:16.2f}s" for r in results)
        lines.append(f"{name:44}{cells}   {results[-1]['steps'][name]['peak_rss_mb']:.0f}")
    return "\n".join(lines)


def report(results: list[dict]) -> str:
    lines = []
    for r in results:
        lines.append(f"\n{r['entries']:,} entries in {r['weeks']:,} weeks")
        lines.append(f"{'step':28} {'seconds':>9} {'entries/s':>11} {'peak MB':>9} {'× floor':>8} {'CPU s':>8} {'CPU × floor':>12}  exit")
        for name, s in r["steps"].items():
            lines.append(
                f"{name:28} {s['seconds']:9.2f} {s['entries_per_second']:11,.0f} {s['peak_rss_mb']:9.0f} {s['ratio_to_floor']:8.2f}"
                f" {s['cpu_seconds']:8.2f} {s['cpu_ratio_to_floor']:12.2f}  {s['exit']}"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000", help="comma-separated entry counts (default 100000)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument("--hostile-sizes", metavar="N,…",
                        help="instead, time check and build of hostile inputs of about N characters each (e.g. 100000,400000)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsletter-bench-"))
    try:
        results = []
        if args.hostile_sizes:
            results = [run_hostile(int(n), work) for n in args.hostile_sizes.split(",")]
            print(report_hostile(results), flush=True)
        for size in (int(s) for s in (args.sizes.split(",") if not args.hostile_sizes else [])):
            results.append(run_size(size, work))
            print(report(results[-1:]), flush=True)
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    finally:
        if args.keep:
            print(f"projects kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
