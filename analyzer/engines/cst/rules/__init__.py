"""diffsentry's libcst rules, one module per rule (or per small family of one pattern).

Every `CstRule` subclass defined here is found automatically; nothing needs registering.
"""
