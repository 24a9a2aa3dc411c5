"""AMQP 0-9-1 machinery (RabbitMQ): topology, consumer, publisher with confirms, outbox relay."""
