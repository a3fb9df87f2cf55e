"""The web app: Shopify's webhook intake and the health check."""
