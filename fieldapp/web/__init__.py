"""The Flask layer: thin blueprints (one per area; templates/<blueprint>/ mirrors them) and their
guards (`guards.py`: roles, the person a page is about and its audit, the caching policy). Views
read the request, call fieldapp/reads/ and fieldapp/rules/, and render; no SQL here."""
