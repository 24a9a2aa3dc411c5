"""AMQP machinery: topology, consumer, publisher with confirms, outbox relay."""
