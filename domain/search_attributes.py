"""Custom search attributes of request workflows (Temporal visibility, ops views)."""

# name -> Temporal indexed value type
SEARCH_ATTRIBUTES: dict[str, str] = {
    "RequestState": "Keyword",
    "RequestCategory": "Keyword",
    "CustomerId": "Keyword",
    "ExecutorId": "Keyword",
    "SlaBreached": "Bool",
}
