"""How the consumer settles a handled batch: one multiple ack when all of it is acknowledged."""

from __future__ import annotations

import pika

from ereceipt.queue.consumer import Consumer, Delivery, Settle
from ereceipt.queue.topology import Topology


class RecordingChannel:
    is_open = True

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def basic_ack(self, tag: int, multiple: bool = False) -> None:
        self.calls.append(("ack", tag, multiple))

    def basic_nack(self, tag: int, requeue: bool = True) -> None:
        self.calls.append(("nack", tag, requeue))


def consumer() -> Consumer:
    topology = Topology("x", "#", "q", "dlx", "dead", "events", 5)
    return Consumer(pika.ConnectionParameters(), topology, handle=lambda delivery: None)


def items(*outcomes: Settle, first: int = 7) -> list:
    delivery = Delivery(b"", "m", "BFTVVNVX", "camt054", False, pika.BasicProperties())
    return [((first + n, delivery), (outcome, None)) for n, outcome in enumerate(outcomes)]


def test_a_batch_acknowledged_whole_is_settled_by_one_multiple_ack_of_its_last_tag() -> None:
    channel = RecordingChannel()
    consumer()._settle_all(channel, None, items(Settle.ACK, Settle.ACK, Settle.ACK))
    assert channel.calls == [("ack", 9, True)]


def test_a_batch_with_a_requeue_is_settled_one_delivery_at_a_time() -> None:
    channel = RecordingChannel()
    consumer()._settle_all(channel, None, items(Settle.ACK, Settle.REQUEUE, Settle.ACK))
    assert channel.calls == [("ack", 7, False), ("nack", 8, True), ("ack", 9, False)]


def test_after_a_delivery_left_unsettled_no_multiple_ack_could_take_it_along() -> None:
    channel, settling = RecordingChannel(), consumer()
    settling._settle_all(channel, None, items(Settle.LEAVE, Settle.ACK, first=1))
    settling._settle_all(channel, None, items(Settle.ACK, Settle.ACK, first=3))
    assert channel.calls == [("ack", 2, False), ("ack", 3, False), ("ack", 4, False)]
