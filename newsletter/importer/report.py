"""What an import found: weeks, entries per type, and every warning with its source line."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from newsletter.model import Issue


@dataclass(frozen=True)
class Warning:
    line: int
    message: str


@dataclass
class Report:
    """Counts and warnings of one import; ``written`` lists the files it wrote."""

    source: str
    format: str
    issues: dict[str, Issue] = field(default_factory=dict)
    warnings: list[Warning] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    learned: list[str] = field(default_factory=list)  # settings learned from the archive, each with its evidence
    settings: dict = field(default_factory=dict)  # those settings, by dotted name, as newsletter.toml gets them
    config: Any = None  # the project's configuration with the learned settings
    header: list[str] | None = None  # lines before the first year
    footer: list[str] = field(default_factory=list)  # lines after the last week
    unit: str = "week"  # what one issue covers in the project's cadence: week, day or month
    cadence: tuple[str, str] | None = None  # the cadence the file is written in, and why (None: any)
    recognised: bool = False  # the format was recognised from the file, not given

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(Warning(line, message))

    @property
    def types(self) -> Counter:
        return Counter(e.type for issue in self.issues.values() for e in issue.entries)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "format": self.format,
            "weeks": len(self.issues),
            "entries": sum(self.types.values()),
            "entries_per_type": dict(sorted(self.types.items())),
            "issues": sorted(self.issues),
            "warnings": [{"line": w.line, "message": w.message} for w in sorted(self.warnings, key=lambda w: w.line)],
            "learned": self.learned,
            "written": self.written,
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"

    def text(self) -> str:
        """The report as the command prints it."""
        d = self.as_dict()
        per_type = ", ".join(f"{name} {n}" for name, n in d["entries_per_type"].items())
        lines = [f"{self.source}: read as --format {self.format} (recognised from the file)"] if self.recognised else []
        lines += [f"{self.source}:{w['line']}: warning: {w['message']}" for w in d["warnings"]]
        lines += [f"{self.source}: learned: {setting}" for setting in self.learned]
        lines.append(f"{d['weeks']} {self.unit}{'' if d['weeks'] == 1 else 's'}, {d['entries']} entries ({per_type}), {len(d['warnings'])} warnings")
        return "\n".join(lines)
