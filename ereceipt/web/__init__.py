"""Web pages: health checks, the public lookup page and the officers' admin page."""
