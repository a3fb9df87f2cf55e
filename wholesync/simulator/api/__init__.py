"""The GraphQL surface: schema, execution, cost and throttling, errors, paging and search."""
