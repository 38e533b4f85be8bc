import xml.sax
from xml.sax.handler import feature_external_ges

from lxml import etree


def parse_invoice(data: bytes):
    # ruleid: xml-parser-resolving-entities
    parser = etree.XMLParser(resolve_entities=True, load_dtd=True)
    return etree.fromstring(data, parser)


def validate_feed(path: str):
    # ruleid: xml-parser-resolving-entities
    parser = etree.XMLParser(dtd_validation=True, no_network=False)
    return etree.parse(path, parser)


def stream_orders(path: str, handler) -> None:
    reader = xml.sax.make_parser()
    # ruleid: xml-parser-resolving-entities
    reader.setFeature(feature_external_ges, True)
    reader.setContentHandler(handler)
    reader.parse(path)


def parse_invoice_safely(data: bytes):
    # ok: xml-parser-resolving-entities
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(data, parser)


def validate_feed_safely(path: str):
    # ok: xml-parser-resolving-entities
    parser = etree.XMLParser(dtd_validation=True, resolve_entities=False)
    return etree.parse(path, parser)


def stream_orders_safely(path: str, handler) -> None:
    reader = xml.sax.make_parser()
    # ok: xml-parser-resolving-entities
    reader.setFeature(feature_external_ges, False)
    reader.setContentHandler(handler)
    reader.parse(path)
