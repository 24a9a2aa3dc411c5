"""The only place that assembles things: wiring, command line, server, jobs, process supervision."""
