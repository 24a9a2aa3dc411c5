"""The replay refusal made from a template is the fault ``fault_response`` makes, for any message id."""

from __future__ import annotations

import pytest

from ereceipt.soap.envelope import SOAP_1_1, SOAP_1_2
from ereceipt.soap.faults import REPLAY_CODE, SoapFault, fault_response, replay_reason, replay_response


@pytest.mark.parametrize("version", [SOAP_1_1, SOAP_1_2], ids=["soap11", "soap12"])
@pytest.mark.parametrize(
    "message_id",
    ["5f1c-00a1", "a&b<c>d\"e'f", "Mã số 123/QĐ", "tab\there", "@@message-id@@", "]]>"],
)
def test_replay_response_is_the_fault_response(version, message_id: str) -> None:
    made = fault_response(version, SoapFault(REPLAY_CODE, replay_reason(message_id)))
    assert replay_response(version, message_id) == made
