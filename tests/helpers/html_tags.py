"""What a rendered e-mail or Telegram message holds as markup: its tags, links and
entities, and whether its tags nest properly."""

from __future__ import annotations

from html.parser import HTMLParser


class Tags(HTMLParser):
    """Tag names, href values and nesting errors of a fragment or document."""

    VOID = frozenset({"meta", "br", "img", "hr", "link", "input"})

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.names: set[str] = set()
        self.attrs: dict[str, set[str]] = {}
        self.hrefs: list[str] = []
        self.entities: set[str] = set()
        self.errors: list[str] = []
        self._open: list[str] = []
        self.feed(text)
        self.close()
        self.errors.extend(f"unclosed <{name}>" for name in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attrs.setdefault(tag, set()).update(name for name, _ in attrs)
        self.hrefs.extend(value or "" for name, value in attrs if name == "href")
        if tag not in self.VOID:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self._open[-1:] or 'nothing'}")
            return
        self._open.pop()

    def handle_entityref(self, name: str) -> None:
        self.entities.add(name)
