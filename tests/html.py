"""Reading a rendered page as a user would: elements by tag and attributes, their text.

Built on django.test.html (the parser behind assertHTMLEqual): whitespace and attribute order
do not matter, entities are decoded, class lists compare as sets.
"""
from django.test.html import Element, parse_html


def elements(html, tag, **attrs):
    """Every ``tag`` element of ``html`` (a string or a parsed Element) whose attributes include
    ``attrs`` (``class_`` for class: every class named must be present; ``True`` for a
    boolean attribute)."""
    root = parse_html(html) if isinstance(html, str) else html
    wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
    found = []

    def walk(node):
        if not isinstance(node, Element):
            return
        if node.name == tag and _matches(dict(node.attributes), wanted):
            found.append(node)
        for child in node.children:
            walk(child)

    walk(root)
    return found


def element(html, tag, **attrs):
    """The one ``tag`` element matching ``attrs`` (see ``elements``)."""
    found = elements(html, tag, **attrs)
    assert len(found) == 1, f"{len(found)} <{tag}> matching {attrs}"
    return found[0]


def text(node):
    """The text of ``node`` and its descendants, whitespace collapsed."""
    if isinstance(node, str):
        return node
    return " ".join(" ".join(text(child) for child in node.children).split())


def attr(node, name):
    return dict(node.attributes).get(name)


def classes(node):
    return set((attr(node, "class") or "").split())


def _matches(attributes, wanted):
    for name, value in wanted.items():
        if name not in attributes:
            return False
        if name == "class":
            if not set(value.split()) <= set((attributes[name] or "").split()):
                return False
        elif value is not True and attributes[name] != value:
            return False
    return True
