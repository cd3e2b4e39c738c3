#!/usr/bin/python3
"""An independent Stafet client in Python, written from docs/protocol.md alone,
and a test that runs it against a real hub and a real Redis.

Usage: python_client.py HUB_BINARY REDIS_SERVER PROTO_PYTHON_DIR

It proves that the wire protocol is documented well enough for another
language: Hello/Welcome, publish with an outbox and PublishAck, durable
subscribe, deliver + ack, filters, errors with stable names, heartbeats.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import zmq


class StafetClient:
    """Minimal client: one DEALER, seq counter, outbox keyed by seq."""

    def __init__(self, endpoint, adapter, wire):
        self.w = wire
        self.sock = zmq.Context.instance().socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)
        self.seq = 0
        self.outbox = {}          # seq -> (frame bytes, payload)
        self.acks = {}            # message_id -> PublishAck
        self.errors = []          # Error frames
        self.deliveries = []      # (Deliver, payload)
        self.last_sent = 0.0
        self.heartbeat_ms = 1000
        welcome = self.request(self.w.Frame(hello=self.w.Hello(protocol_version=1, adapter=adapter)))
        assert welcome.WhichOneof("body") == "welcome", welcome
        self.heartbeat_ms = welcome.welcome.heartbeat_ms
        self.session_id = welcome.welcome.session_id

    def _send(self, frame, payload=None):
        parts = [frame.SerializeToString()] + ([payload] if payload is not None else [])
        self.sock.send_multipart(parts)
        self.last_sent = time.monotonic()

    def next_seq(self):
        self.seq += 1
        return self.seq

    def request(self, frame, payload=None, timeout=5.0):
        """Sends a frame with a new seq and waits for the answer with that seq."""
        frame.seq = self.next_seq()
        self._send(frame, payload)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for answer in self.poll(0.05):
                if answer.seq == frame.seq:
                    return answer
        raise TimeoutError("no answer to seq %d" % frame.seq)

    def publish(self, envelope, payload=b""):
        frame = self.w.Frame(seq=self.next_seq(), publish=self.w.Publish(envelope=envelope))
        self.outbox[frame.seq] = (frame, payload)
        self._send(frame, payload)

    def poll(self, timeout):
        """Handles what arrives within timeout seconds; returns answer frames."""
        answers = []
        if time.monotonic() - self.last_sent > self.heartbeat_ms / 1000.0:
            self._send(self.w.Frame(heartbeat=self.w.Heartbeat()))
        if not self.sock.poll(int(timeout * 1000)):
            return answers
        while self.sock.poll(0):
            parts = self.sock.recv_multipart()
            frame = self.w.Frame.FromString(parts[0])
            body = frame.WhichOneof("body")
            if body == "publish_ack":
                self.outbox.pop(frame.seq, None)
                self.acks[frame.publish_ack.message_id] = frame.publish_ack
            elif body == "deliver":
                self.deliveries.append((frame.deliver, parts[1] if len(parts) > 1 else b""))
            elif body == "error":
                self.errors.append(frame.error)
                if frame.error.retryable and frame.seq in self.outbox:
                    self._send(*self.outbox[frame.seq])   # same message id: safe to retry
            answers.append(frame)
        return answers

    def ack(self, subscription, delivery_ids):
        self._send(self.w.Frame(ack=self.w.Ack(subscription=subscription, delivery_ids=delivery_ids)))

    def wait(self, predicate, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not predicate() and time.monotonic() < deadline:
            self.poll(0.05)
        return predicate()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)  # spacing of a readiness poll, not a synchronisation
    return False


def main():
    hub_bin, redis_bin, proto_dir = sys.argv[1:4]
    sys.path.insert(0, proto_dir)
    from stafet.wire.v1 import envelope_pb2, wire_pb2

    tmp = tempfile.mkdtemp(prefix="stafet-py-")
    procs = []
    failures = 0
    try:
        sock = os.path.join(tmp, "redis.sock")
        procs.append(subprocess.Popen([redis_bin, "--port", "0", "--unixsocket", sock, "--dir", tmp,
                                       "--appendonly", "yes", "--save", ""],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        assert wait_for(lambda: os.path.exists(sock)), "redis did not start"
        endpoint = "ipc://%s/hub.sock" % tmp
        log = open(os.path.join(tmp, "hub.log"), "w")
        procs.append(subprocess.Popen([hub_bin, "--redis", "unix:" + sock, "--data-dir", tmp,
                                       "--bind-tcp", "", "--bind-ipc", endpoint, "--admin-bind", "127.0.0.1:0",
                                       "--poll-interval-ms", "50"], stdout=log, stderr=log))

        checks = []

        def check(name, ok):
            nonlocal failures
            checks.append(name)
            print("%s %s" % ("ok  " if ok else "FAIL", name))
            failures += 0 if ok else 1

        sub = StafetClient(endpoint, "py_subscriber", wire_pb2)
        answer = None
        for _ in range(100):  # the hub answers STORE_UNAVAILABLE until Redis is ready
            answer = sub.request(wire_pb2.Frame(subscribe=wire_pb2.Subscribe(
                name="py_folkeregister", patterns=["cpr.person.*"], filters=["tenant=0751"])))
            if answer.WhichOneof("body") == "subscribe_ack":
                break
            sub.poll(0.05)
        check("subscribe answered with subscribe_ack", answer.WhichOneof("body") == "subscribe_ack")

        pub = StafetClient(endpoint, "py_publisher", wire_pb2)
        wanted = envelope_pb2.Envelope(message_id=str(uuid.uuid4()), topic="cpr.person.relocated",
                                       tenant="0751", type_name="stafet.events.v1.cpr.PersonRelocated",
                                       schema_version=1, sensitivity=1,
                                       attributes=[envelope_pb2.Attribute(key="kle", value="23.05.00")])
        other = envelope_pb2.Envelope(message_id=str(uuid.uuid4()), topic="cpr.person.relocated",
                                      tenant="0101")
        pub.publish(wanted, b"synthetic payload")
        pub.publish(other, b"other municipality")
        check("both publishes acknowledged", pub.wait(lambda: len(pub.acks) == 2))
        check("filtered message went to one durable queue",
              pub.acks[wanted.message_id].durable_queues == 1)
        check("other tenant matched no queue", pub.acks[other.message_id].durable_queues == 0)

        pub.publish(wanted, b"synthetic payload")   # the same id again
        check("re-publish is acknowledged as a duplicate",
              pub.wait(lambda: not pub.outbox) and pub.acks[wanted.message_id].duplicate)

        check("subscriber received the message", sub.wait(lambda: len(sub.deliveries) >= 1))
        d, payload = sub.deliveries[0]
        check("delivery carries envelope and payload",
              d.envelope.message_id == wanted.message_id and payload == b"synthetic payload"
              and d.envelope.source == "py_publisher" and d.delivery_count == 1)
        sub.ack("py_folkeregister", [d.delivery_id])
        sub.poll(0.3)
        check("no duplicate and no filtered-out delivery", len(sub.deliveries) == 1)
        check("ack accepted without error", not sub.errors)

        bad = envelope_pb2.Envelope(message_id=str(uuid.uuid4()), topic="CPR..relocated")
        answer = pub.request(wire_pb2.Frame(publish=wire_pb2.Publish(envelope=bad)))
        check("invalid topic answered INVALID_TOPIC",
              answer.WhichOneof("body") == "error" and answer.error.name == "INVALID_TOPIC"
              and answer.error.code == wire_pb2.ERROR_INVALID_TOPIC)
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=10)
    with open(os.path.join(tmp, "hub.log")) as f:
        hub_log = f.read()
    sanitizer_clean = "runtime error" not in hub_log and "Sanitizer" not in hub_log
    print("%s hub log has no sanitizer report" % ("ok  " if sanitizer_clean else "FAIL"))
    failures += 0 if sanitizer_clean else 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (len(checks) + 1 - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
