"""Telegram's HTML parse mode: HTML -> (text, entities), refusing what Telegram refuses."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any, Final

from sandbox.errors import bad_request

# Tag -> entity type, after core.telegram.org/bots/api#html-style.
_SIMPLE: Final = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
}
_NAMED_ENTITIES: Final = frozenset({"lt", "gt", "amp", "quot"})
_ENTITY_REF = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self.open: list[tuple[str, int, dict[str, Any]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        entity: dict[str, Any]
        if tag in _SIMPLE:
            entity = {"type": _SIMPLE[tag]}
            if tag == "code" and self.open and self.open[-1][0] == "pre":
                language = (attributes.get("class") or "").removeprefix("language-")
                if language:
                    self.open[-1][2]["language"] = language
                entity = {"type": "_inner_code"}
        elif tag == "span" and attributes.get("class") == "tg-spoiler":
            entity = {"type": "spoiler"}
        elif tag == "a" and attributes.get("href"):
            entity = {"type": "text_link", "url": attributes["href"]}
        elif tag == "blockquote":
            expandable = "expandable" in attributes
            entity = {"type": "expandable_blockquote" if expandable else "blockquote"}
        elif tag == "tg-emoji" and attributes.get("emoji-id"):
            entity = {"type": "custom_emoji", "custom_emoji_id": attributes["emoji-id"]}
        else:
            offset = self.getpos()[1]
            raise bad_request(f'can\'t parse entities: Unsupported start tag "{tag}" at '
                              f"byte offset {offset}")
        self.open.append((tag, _utf16_len(self.text), entity))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise bad_request(f'can\'t parse entities: Unmatched end tag "{tag}"')
        _, start, entity = self.open.pop()
        length = _utf16_len(self.text) - start
        if length and entity["type"] != "_inner_code":
            self.entities.append({**entity, "offset": start, "length": length})

    def handle_data(self, data: str) -> None:
        self.text += data


def parse(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities, as Telegram stores a message sent with parse_mode HTML."""
    for match in _ENTITY_REF.finditer(source):
        if match[1] not in _NAMED_ENTITIES:
            raise bad_request(f'can\'t parse entities: Unsupported HTML entity "&{match[1]};"')
    parser = _Parser()
    parser.feed(source)
    parser.close()
    if parser.open:
        tag = parser.open[-1][0]
        raise bad_request(
            f'can\'t parse entities: Can\'t find end tag corresponding to start tag "{tag}"'
        )
    parser.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return parser.text, parser.entities


_PAGE_TAGS: Final = {
    "bold": "b", "italic": "i", "underline": "u", "strikethrough": "s", "spoiler": "mark",
    "code": "code", "pre": "pre", "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
}


def to_html(text: str, entities: list[dict[str, Any]]) -> str:
    """Safe HTML for the sandbox page: the text escaped, the entities as tags."""
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for entity in entities:
        tag = _PAGE_TAGS.get(entity["type"])
        start, end = entity["offset"], entity["offset"] + entity["length"]
        if entity["type"] == "text_link":
            opens.setdefault(start, []).append(
                f'<a href="{html.escape(entity["url"])}" rel="noopener" target="_blank">')
            closes.setdefault(end, []).insert(0, "</a>")
        elif tag:
            opens.setdefault(start, []).append(f"<{tag}>")
            closes.setdefault(end, []).insert(0, f"</{tag}>")
    out: list[str] = []
    position = 0  # in UTF-16 code units, as Telegram counts
    for char in text:
        out.extend(closes.get(position, []))
        out.extend(opens.get(position, []))
        out.append(html.escape(char))
        position += _utf16_len(char)
    out.extend(closes.get(position, []))
    return "".join(out)
