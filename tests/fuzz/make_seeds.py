#!/usr/bin/python3
"""Writes the seed corpus of fuzz_frame: one file per kind of frame a client
sends, taken from real protocol use. Run once when the protocol changes:
    python3 tests/fuzz/make_seeds.py build/tests/integration/python
"""
import os
import sys

sys.path.insert(0, sys.argv[1])
from stafet.wire.v1 import envelope_pb2 as e, wire_pb2 as w  # noqa: E402

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_frame")
os.makedirs(out, exist_ok=True)
env = e.Envelope(message_id="0192f1e4-7c3a-7b1e-9d2c-000000000001", topic="cpr.person.relocated",
                 type_name="stafet.events.v1.cpr.PersonRelocated", schema_version=1, tenant="0751",
                 sensitivity=3, attributes=[e.Attribute(key="kle", value="23.05.00")])
frames = {
    "hello": w.Frame(seq=1, hello=w.Hello(protocol_version=1, adapter="cpr", instance="h:1")),
    "publish": w.Frame(seq=2, publish=w.Publish(envelope=env)),
    "subscribe": w.Frame(seq=3, subscribe=w.Subscribe(
        name="folkeregister", patterns=["cpr.person.*", "debt.#", "#.deceased"],
        filters=["tenant=0751", "kle^=27.", "department!=jobcenter"], credit=10)),
    "ack": w.Frame(ack=w.Ack(subscription="folkeregister", delivery_ids=["1732412345678-0", "5-1"])),
    "nack": w.Frame(nack=w.Nack(subscription="x", delivery_ids=["1-1"], requeue=False, reason="r")),
    "request": w.Frame(seq=4, request=w.Request(service="cpr.person.get", request_id="r1",
                                                deadline_ms=1732412345678)),
    "provide": w.Frame(seq=5, provide=w.Provide(services=["cpr.person.get"])),
    "credit": w.Frame(credit=w.Credit(subscription="folkeregister", credit=5)),
}
for name, frame in frames.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(frame.SerializeToString())
print("wrote %d seeds to %s" % (len(frames), out))
