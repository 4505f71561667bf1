"""Parse untrusted BPMN/DMN XML: no DTDs, no entities, no network, bounded size."""

from __future__ import annotations

from lxml import etree

MAX_XML_BYTES = 5 * 1024 * 1024


class UnsafeXml(ValueError):
    pass


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


def parse_xml(data: bytes) -> etree._Element:
    """The root element, or UnsafeXml / etree.XMLSyntaxError with a reason."""
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXml(f"het bestand is groter dan {MAX_XML_BYTES // (1024 * 1024)} MB")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise UnsafeXml("het bestand bevat een DOCTYPE of ENTITY; die zijn niet toegestaan")
    root = etree.fromstring(data, parser=_PARSER)
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml("het bestand bevat een DOCTYPE; die is niet toegestaan")
    return root
