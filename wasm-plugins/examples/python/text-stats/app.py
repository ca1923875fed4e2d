"""text-stats-py: the Rust example text-stats, in Python.

It answers with the same JSON as the Rust tool for the same text: words, lines,
characters, bytes and the most frequent words (ties in alphabetical order).
"""

import json
from collections import Counter

from wit_world import exports
from wit_world.imports.types import ToolEffect, ToolSpec

SCHEMA = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "description": "the text to analyse"},
        "top": {
            "type": "integer",
            "minimum": 0,
            "maximum": 50,
            "description": "how many frequent words to list (default 3)",
        },
    },
    "required": ["text"],
    "additionalProperties": False,
}


def words_of(text: str) -> list[str]:
    """Runs of letters and digits, lowercased (Rust: split on non-alphanumeric)."""
    words, current = [], []
    for c in text:
        if c.isalnum():
            current.append(c)
        elif current:
            words.append("".join(current).lower())
            current = []
    if current:
        words.append("".join(current).lower())
    return words


def line_count(text: str) -> int:
    """Rust's `str::lines().count()`: a final newline does not start a line."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return len(lines)


def stats(text: str, top: int) -> dict:
    counts = Counter(words_of(text))
    frequent = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[:top]
    return {
        "bytes": len(text.encode("utf-8")),
        "chars": len(text),
        "lines": line_count(text),
        "top_words": [{"count": n, "word": w} for w, n in frequent],
        "words": len(text.split()),
    }


class Tool(exports.Tool):
    def list_specs(self) -> list[ToolSpec]:
        description = "Counts the words, lines and characters of a text and lists its most frequent words."
        return [ToolSpec("text_stats_py", description, json.dumps(SCHEMA), ToolEffect.READ)]

    def invoke(self, name: str, arguments: str) -> str:
        # The host checked the arguments against SCHEMA: `text` is there, `top` in range.
        args = json.loads(arguments)
        return json.dumps(stats(args["text"], args.get("top", 3)), separators=(",", ":"), ensure_ascii=False)
