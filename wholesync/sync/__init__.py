"""The flows between Shopify and the hub: fetch, map (pure functions), load."""
