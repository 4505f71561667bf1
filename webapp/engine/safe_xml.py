"""Parse untrusted BPMN/DMN XML: no DTDs, no entities, no network, bounded size, UTF-8, a known root.

Two layers: a cheap scan refuses any DOCTYPE or ENTITY declaration before parsing, and the parser itself
would neither load a DTD, nor resolve an entity, nor open a file or network address if one slipped through.
Every refusal is an ``UnsafeXml`` with a Dutch reason.
"""

from __future__ import annotations

import re

from lxml import etree

MAX_XML_BYTES = 5 * 1024 * 1024

# Anywhere in the file, in any case: a DOCTYPE may follow a long comment, and UTF-8 is required (below), so
# no other encoding can hide the declaration from this scan.
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_NAMESPACES = (
    "http://www.omg.org/spec/BPMN/",
    "https://www.omg.org/spec/DMN/",
    "http://www.omg.org/spec/DMN/",
)


class UnsafeXml(ValueError):
    pass


def make_parser() -> etree.XMLParser:
    """The parser settings that keep DTDs, entities, files and the network out."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )


_PARSER = make_parser()


def parse_xml(data: bytes) -> etree._Element:
    """The root element of a BPMN or DMN file, or UnsafeXml with the reason in Dutch."""
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXml(f"het bestand is groter dan {MAX_XML_BYTES // (1024 * 1024)} MB")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafeXml("het bestand is geen UTF-8-tekst") from None
    if _DECLARATION.search(data):
        raise UnsafeXml("het bestand bevat een DOCTYPE of ENTITY; die zijn niet toegestaan")
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as error:
        line, column = error.position
        raise UnsafeXml(f"het is geen goed gevormde XML (regel {line}, kolom {column})") from None
    if root is None:
        raise UnsafeXml("het bestand bevat geen XML")
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml("het bestand bevat een DOCTYPE; die is niet toegestaan")
    if not _is_definitions(root):
        raise UnsafeXml("het bestand is geen BPMN- of DMN-diagram (het hoofdelement is geen 'definitions')")
    return root


def _is_definitions(root: etree._Element) -> bool:
    if not isinstance(root.tag, str):
        return False
    name = etree.QName(root)
    return name.localname == "definitions" and (name.namespace or "").startswith(_ROOT_NAMESPACES)
