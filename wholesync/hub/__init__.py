"""The wholesale hub: its data model, database access and domain rules. Knows nothing of Shopify."""
