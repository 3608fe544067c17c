"""The API's entities, each described once (:class:`Resource`); see :mod:`.base`.

``RESOURCES`` are the entities a run reads, in the order it reads them.
"""

from .base import Child, Column, Paging, Resource, field, text
from .master_data import MASTER_DATA
from .sales_orders import LINE_COLUMNS, ORDER_COLUMNS, SALES_ORDER_LINES, SALES_ORDERS

RESOURCES: tuple[Resource, ...] = (SALES_ORDERS, *MASTER_DATA)

__all__ = [
    "LINE_COLUMNS",
    "ORDER_COLUMNS",
    "RESOURCES",
    "SALES_ORDERS",
    "SALES_ORDER_LINES",
    "Child",
    "Column",
    "Paging",
    "Resource",
    "field",
    "text",
]
