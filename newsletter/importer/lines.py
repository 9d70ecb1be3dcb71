"""Line-level pieces shared by the importers: indentation, bullets and nested summaries."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsletter.model import Bullet, SummaryItem

TAB = 4
BULLET_STEP = 4
# levels of summary bullets written: deeper ones join the last level (an issue file nests a few dozen at most)
MAX_LEVELS = 16


def indentation(line: str) -> tuple[int, str]:
    """(width of the leading whitespace with tabs to the next multiple of 4, the rest)."""
    width = 0
    for i, ch in enumerate(line):
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += TAB - width % TAB
        else:
            return width, line[i:]
    return width, ""


def bullet_text(content: str) -> str | None:
    """The text of a ``-``/``*``/``+`` bullet, or None when ``content`` is not one."""
    if content[:1] in "-*+" and content[1:2] in (" ", "\u00a0", "\t"):
        return content[2:].lstrip(" ")
    if content in ("-", "*", "+"):
        return ""
    return None


@dataclass
class _Node:
    text: str
    children: list["_Node"] = field(default_factory=list)

    def item(self) -> SummaryItem:
        if not self.children:
            return self.text
        return Bullet(text=self.text, items=[c.item() for c in self.children])


@dataclass
class SummaryBuilder:
    """Builds nested summary bullets from their indentation, however irregular."""

    first: int = BULLET_STEP  # the regular indentation of a top-level bullet
    step: int = BULLET_STEP  # and of each further level
    roots: list[_Node] = field(default_factory=list)
    _stack: list[tuple[int, _Node]] = field(default_factory=list)

    def add(self, indent: int, text: str) -> str | None:
        """Add a bullet; return a warning when its indentation is not the regular one."""
        while self._stack and self._stack[-1][0] >= indent:
            self._stack.pop()
        too_deep = len(self._stack) >= MAX_LEVELS
        del self._stack[MAX_LEVELS - 1 :]
        node = _Node(text)
        (self._stack[-1][1].children if self._stack else self.roots).append(node)
        self._stack.append((indent, node))
        expected = self.first + self.step * (len(self._stack) - 1)
        if too_deep:
            return f"summary bullet nested deeper than {MAX_LEVELS} levels; written at level {MAX_LEVELS}"
        if indent != expected:
            return f"summary bullet indented {indent} spaces, written with {expected}"
        return None

    def extend(self, text: str) -> bool:
        """Append a continuation line to the last bullet; False when there is none."""
        if not self._stack:
            return False
        node = self._stack[-1][1]
        node.text += "\n" + text
        return True

    @property
    def depth(self) -> int:
        """How many bullets are open (0 before the first)."""
        return len(self._stack)

    def items(self) -> list[SummaryItem]:
        return [n.item() for n in self.roots]
