"""Web pages: health checks, the public lookup page, later the officers' admin page."""
