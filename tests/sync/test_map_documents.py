"""The fetch documents give each mapper one shape, whichever way the data is fetched."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from wholesync.shopify import operations


def _paths(
    selection_set: SelectionSetNode | None, fragments: dict[str, Any], prefix: str
) -> set[str]:
    """Selected field paths, fragments flattened and ``nodes``/``edges { node }`` see-through."""
    found: set[str] = set()
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FragmentSpreadNode):
            found |= _paths(fragments[selection.name.value].selection_set, fragments, prefix)
        elif isinstance(selection, InlineFragmentNode):
            found |= _paths(selection.selection_set, fragments, prefix)
        elif isinstance(selection, FieldNode):
            name = selection.name.value
            if name in ("nodes", "edges", "node"):
                found |= _paths(selection.selection_set, fragments, prefix)
            elif name != "pageInfo":
                path = f"{prefix}{name}"
                found |= {path} | _paths(selection.selection_set, fragments, f"{path}.")
    return found


def _selected(name: str) -> set[str]:
    document = parse(operations.load(name).text)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return _paths(operation.selection_set, fragments, "")


def test_bulk_documents_select_what_the_page_documents_select() -> None:
    pages, bulk = _selected("products"), _selected("bulk_products")
    # Five connections per bulk query: collections come from bulk_collections.graphql.
    assert pages - bulk == {
        "products.collections",
        "products.collections.id",
        "products.collections.title",
        "products.collections.handle",
    }
    assert bulk <= pages
    assert _selected("bulk_collections") >= {"collections.title", "collections.products.id"}
    assert _selected("bulk_customers") == _selected("customers")
    assert _selected("bulk_inventory") == _selected("inventory_levels")
