"""Products, variants, collections, media, locations and inventory."""
