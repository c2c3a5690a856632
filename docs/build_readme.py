"""Assemble README.md from docs/readme_head.md, the section files in docs/readme/, and the tail.

Run from anywhere: ``python docs/build_readme.py``. Edit the parts, not README.md (a test checks
that README.md is exactly what this script writes).
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["core", "exact", "theory", "proofs", "runtime", "experiments"]


def section(root: Path, name: str) -> str:
    """Return a section file with headings at level 2 or below and links relative to the root."""
    text = (root / "docs" / "readme" / f"{name}.md").read_text()
    if re.search(r"^# ", text, flags=re.M):  # written with a level-1 title: demote every heading
        text = re.sub(r"^(#+) ", lambda m: "#" + m.group(1) + " ", text, flags=re.M)
    return text.replace("](../../", "](").rstrip() + "\n"


def assemble(root: Path = ROOT) -> str:
    """Return the README text built from the parts under ``root/docs``."""
    parts = [(root / "docs" / "readme_head.md").read_text().rstrip() + "\n"]
    parts += [section(root, name) for name in ORDER]
    parts.append((root / "docs" / "readme_tail.md").read_text().rstrip() + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    (ROOT / "README.md").write_text(assemble())
