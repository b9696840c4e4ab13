#!/usr/bin/env python3
"""A gunicorn-style dirty client, for testing pm2-dirty's arbiter against gunicorn's wire behaviour.

NOT gunicorn's code. gunicorn cannot be installed here (no PyPI; Debian's package predates dirty
arbiters), so this is a protocol-faithful stand-in written from gunicorn's wire format as docs/protocol.md
describes it (framing, TLV, the client's request and stream handling). It behaves as gunicorn's
DirtyClient does:

- frames: 16-byte header struct '>2sBBIQ' (magic b"GD", version 1, message type, payload length,
  request id) followed by a TLV payload that is always a dict (empty payload = END/STATUS);
- request id: a random UUID string hashed to a uint64 (hash(str) & 0xFFFFFFFFFFFFFFFF);
- one request at a time per connection, lazy connect, socket timeout = client timeout;
- answers are NOT matched by id: the client reads the next message;
- RESPONSE -> result, ERROR -> the DirtyError subclass named by error_type (socket closed),
  anything else -> DirtyError("Unknown response type: ...");
- stream(): CHUNK data until END; a RESPONSE ends the stream; ERROR raises.

Run as a script, it plays a fixed scenario against an Echo-like app and prints one JSON object
(bytes as {"$bytes": hex}, request ids as decimal strings) for integration/calling/gunicorn-client.test.ts.
"""

import json
import socket
import struct
import sys
import time
import uuid

MAGIC = b"GD"
VERSION = 1
HEADER = struct.Struct(">2sBBIQ")
MAX_MESSAGE_SIZE = 64 * 1024 * 1024
MAX_ITEMS = 1048576

REQUEST, RESPONSE, ERROR, CHUNK, END = 0x01, 0x02, 0x03, 0x04, 0x05
STASH, STATUS, MANAGE = 0x10, 0x11, 0x12
TYPE_NAMES = {REQUEST: "request", RESPONSE: "response", ERROR: "error", CHUNK: "chunk", END: "end",
              STASH: "stash", STATUS: "status", MANAGE: "manage"}

T_NONE, T_BOOL, T_INT, T_FLOAT, T_BYTES, T_STR, T_LIST, T_DICT = 0x00, 0x01, 0x05, 0x06, 0x10, 0x11, 0x20, 0x21


class DirtyError(Exception):
    def __init__(self, message, details=None):
        super().__init__(message)
        self.message = message
        self.details = details or {}

    @classmethod
    def from_dict(cls, d):
        name = d.get("error_type", "DirtyError")
        klass = ERROR_CLASSES.get(name, DirtyError)
        return klass(d.get("message", "Unknown error"), d.get("details") or {})


class DirtyTimeoutError(DirtyError): pass
class DirtyConnectionError(DirtyError): pass
class DirtyWorkerError(DirtyError): pass
class DirtyAppError(DirtyError): pass
class DirtyAppNotFoundError(DirtyAppError): pass
class DirtyNoWorkersAvailableError(DirtyError): pass
class DirtyProtocolError(DirtyError): pass


ERROR_CLASSES = {c.__name__: c for c in (DirtyError, DirtyTimeoutError, DirtyConnectionError, DirtyWorkerError,
                                          DirtyAppError, DirtyAppNotFoundError, DirtyNoWorkersAvailableError,
                                          DirtyProtocolError)}


# --- TLV ---------------------------------------------------------------------------------------

def encode_value(v):
    if v is None:
        return bytes([T_NONE])
    if isinstance(v, bool):  # before int: bool is an int subclass
        return bytes([T_BOOL, 1 if v else 0])
    if isinstance(v, int):
        return bytes([T_INT]) + struct.pack(">q", v)
    if isinstance(v, float):
        return bytes([T_FLOAT]) + struct.pack(">d", v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        b = bytes(v)
        return bytes([T_BYTES]) + struct.pack(">I", len(b)) + b
    if isinstance(v, str):
        b = v.encode("utf-8")
        return bytes([T_STR]) + struct.pack(">I", len(b)) + b
    if isinstance(v, (list, tuple)):
        return bytes([T_LIST]) + struct.pack(">I", len(v)) + b"".join(encode_value(x) for x in v)
    if isinstance(v, dict):
        out = [bytes([T_DICT]), struct.pack(">I", len(v))]
        for k, x in v.items():
            out.append(encode_value(str(k)))
            out.append(encode_value(x))
        return b"".join(out)
    raise DirtyProtocolError("Unsupported type for TLV encoding: %s" % type(v).__name__)


def decode_value(buf, pos=0):
    tag = buf[pos]
    pos += 1
    if tag == T_NONE:
        return None, pos
    if tag == T_BOOL:
        return buf[pos] != 0, pos + 1
    if tag == T_INT:
        return struct.unpack_from(">q", buf, pos)[0], pos + 8
    if tag == T_FLOAT:
        return struct.unpack_from(">d", buf, pos)[0], pos + 8
    if tag in (T_BYTES, T_STR):
        (n,) = struct.unpack_from(">I", buf, pos)
        pos += 4
        if n > MAX_MESSAGE_SIZE or pos + n > len(buf):
            raise DirtyProtocolError("bad length %d" % n)
        raw = bytes(buf[pos:pos + n])
        return (raw if tag == T_BYTES else raw.decode("utf-8")), pos + n
    if tag == T_LIST:
        (n,) = struct.unpack_from(">I", buf, pos)
        pos += 4
        if n > MAX_ITEMS:
            raise DirtyProtocolError("list too long")
        items = []
        for _ in range(n):
            item, pos = decode_value(buf, pos)
            items.append(item)
        return items, pos
    if tag == T_DICT:
        (n,) = struct.unpack_from(">I", buf, pos)
        pos += 4
        if n > MAX_ITEMS:
            raise DirtyProtocolError("dict too long")
        d = {}
        for _ in range(n):
            k, pos = decode_value(buf, pos)
            if not isinstance(k, str):
                raise DirtyProtocolError("dict key must be str")
            d[k], pos = decode_value(buf, pos)
        return d, pos
    raise DirtyProtocolError("Unknown type tag: 0x%02x" % tag)


def decode_full(buf):
    value, pos = decode_value(buf, 0)
    if pos != len(buf):
        raise DirtyProtocolError("trailing bytes after the value")
    return value


# --- frames ------------------------------------------------------------------------------------

def to_wire_id(request_id):
    if isinstance(request_id, str):
        return hash(request_id) & 0xFFFFFFFFFFFFFFFF
    return request_id


def encode_frame(msg_type, request_id, payload):
    body = encode_value(payload) if payload else b""
    return HEADER.pack(MAGIC, VERSION, msg_type, len(body), to_wire_id(request_id)) + body


def recv_exactly(sock, n):
    chunks = []
    while n > 0:
        chunk = sock.recv(n)
        if not chunk:
            raise DirtyConnectionError("Connection closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_message(sock):
    magic, version, msg_type, length, request_id = HEADER.unpack(recv_exactly(sock, HEADER.size))
    if magic != MAGIC or version != VERSION or msg_type not in TYPE_NAMES or length > MAX_MESSAGE_SIZE:
        raise DirtyProtocolError("bad header %r" % ((magic, version, msg_type, length),))
    payload = decode_full(recv_exactly(sock, length)) if length else {}
    return TYPE_NAMES[msg_type], request_id, payload


# --- the client --------------------------------------------------------------------------------

class DirtyClient:
    def __init__(self, socket_path, timeout=30.0):
        self.socket_path = socket_path
        self.timeout = timeout
        self._sock = None
        self.sent_ids = []
        self.replies = 0
        self.id_mismatches = 0

    def connect(self):
        if self._sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(self.timeout)
            s.connect(self.socket_path)
            self._sock = s

    def close(self):
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def _send(self, msg_type, payload):
        self.connect()
        request_id = to_wire_id(str(uuid.uuid4()))
        self.sent_ids.append(request_id)
        self._sock.sendall(encode_frame(msg_type, request_id, payload))

    def _read(self):
        kind, request_id, payload = read_message(self._sock)
        # gunicorn never looks at the id of an answer; we count mismatches to show ours echoes it.
        self.replies += 1
        self.id_mismatches += request_id != self.sent_ids[-1]
        return kind, payload

    def _guarded(self, fn):
        try:
            return fn()
        except socket.timeout:
            self.close()
            raise DirtyTimeoutError("Timeout waiting for dirty app response")
        except DirtyError:
            self.close()
            raise
        except Exception as e:
            self.close()
            raise DirtyConnectionError("Communication error: %s" % e)

    def _single(self, msg_type, payload):
        def run():
            self._send(msg_type, payload)
            kind, body = self._read()
            if kind == "response":
                return body.get("result")
            if kind == "error":
                raise DirtyError.from_dict(body.get("error", {}))
            raise DirtyError("Unknown response type: %s" % kind)
        return self._guarded(run)

    def execute(self, app_path, action, *args, **kwargs):
        return self._single(REQUEST, {"app_path": app_path, "action": action, "args": list(args), "kwargs": kwargs})

    def status(self):
        return self._single(STATUS, None)

    def stream(self, app_path, action, *args, **kwargs):
        self._guarded(lambda: self._send(REQUEST, {"app_path": app_path, "action": action, "args": list(args), "kwargs": kwargs}))
        while True:
            kind, body = self._guarded(self._read)
            if kind == "chunk":
                yield body.get("data")
            elif kind in ("end", "response"):
                return
            elif kind == "error":
                self.close()
                raise DirtyError.from_dict(body.get("error", {}))
            else:
                self.close()
                raise DirtyError("Unknown response type: %s" % kind)


# --- the scenario ------------------------------------------------------------------------------

def jsonable(v):
    if isinstance(v, bytes):
        return {"$bytes": v.hex()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    return v


class StashError(DirtyError): pass
class StashTableNotFoundError(StashError): pass
class StashKeyNotFoundError(StashError): pass

STASH_OPS = {"put": 1, "get": 2, "delete": 3, "keys": 4, "clear": 5, "info": 6, "ensure": 7, "delete_table": 8, "tables": 9, "exists": 10}


def stash_call(client, op, table, key=None, value=None, pattern=None):
    """Like gunicorn's StashClient: None fields are omitted; the error class comes from error_type."""
    payload = {"op": STASH_OPS[op], "table": table}
    for name, v in (("key", key), ("value", value), ("pattern", pattern)):
        if v is not None:
            payload[name] = v

    def run():
        client._send(STASH, payload)
        kind, body = client._read()
        if kind == "response":
            return body.get("result")
        err = body.get("error", {})
        klass = {"StashKeyNotFoundError": StashKeyNotFoundError, "StashTableNotFoundError": StashTableNotFoundError}.get(err.get("error_type"), StashError)
        raise klass(err.get("message", ""), err.get("details") or {})
    return run()


def stash_scenario(client):
    out = {}
    out["put"] = stash_call(client, "put", "sessions", "u1", {"n": 1, "blob": b"\x01"})
    out["get"] = jsonable(stash_call(client, "get", "sessions", "u1"))
    out["int_key"] = stash_call(client, "put", "sessions", 7, "seven")
    out["keys_pattern"] = sorted(str(k) for k in stash_call(client, "keys", "sessions", pattern="u*"))
    out["exists_table"] = stash_call(client, "exists", "sessions")
    out["exists_key"] = stash_call(client, "exists", "sessions", key="nope")
    out["info"] = stash_call(client, "info", "sessions")
    for label, args in (("missing_key", ("get", "sessions", "nope")), ("missing_table", ("info", "no-such-table"))):
        try:
            stash_call(client, *args)
            out[label] = None
        except StashError as e:
            out[label] = type(e).__name__
    out["delete"] = stash_call(client, "delete", "sessions", "u1")
    out["tables"] = stash_call(client, "tables", "")
    return out


def flow_scenario(client, app, key):
    """300 chunks of 64 KiB read at once; 300 read slowly (a 3 s pause after the first, then 1 ms each); one call."""
    out = {}
    count = size = 0
    for data in client.stream(app, "blobs", key + "-fast", 300, 65536):
        count += 1
        size += len(data)
    out["fast"] = [count, size]
    count = size = 0
    for data in client.stream(app, "blobs", key + "-slow", 300, 65536):
        count += 1
        size += len(data)
        time.sleep(3 if count == 1 else 0.001)
    out["slow"] = [count, size]
    out["after"] = client.execute(app, "echo", "after")
    return out


def error_info(e):
    return {"class": type(e).__name__, "message": e.message, "details": jsonable(e.details)}


def main():
    socket_path, app = sys.argv[1], sys.argv[2]
    client = DirtyClient(socket_path, timeout=10.0)
    if len(sys.argv) > 3 and sys.argv[3] == "stash":
        json.dump(stash_scenario(client), sys.stdout)
        return
    if len(sys.argv) > 4 and sys.argv[3] == "flow":
        json.dump(flow_scenario(client, app, sys.argv[4]), sys.stdout)
        return
    out = {"echo": {}}
    values = {
        "int": 42, "negative": -7, "int64": 2 ** 62, "float": 1.25, "true": True, "none": None,
        "str": "h\u00e9llo \u2713", "bytes": b"\x00\x01\xfe\xff", "list": [1, "a", None, True, 1.5, [2]],
        "tuple": (1, 2), "dict": {"a": {"b": [1, 2]}, "c": b"x", 3: "int key"},
    }
    for name, value in values.items():
        out["echo"][name] = jsonable(client.execute(app, "echo", value))
    out["kwargs"] = jsonable(client.execute(app, "withKwargs", 1, x=2, y=b"z"))
    out["stream"] = jsonable(list(client.stream(app, "count", 5)))
    out["async_stream"] = jsonable(list(client.stream(app, "ticks", 3, 1)))
    try:
        client.execute(app, "fail", "boom from python")
        out["app_error"] = None
    except DirtyError as e:
        out["app_error"] = error_info(e)
    out["after_error"] = client.execute(app, "echo", "reconnected")
    try:
        client.execute(app + "Missing", "echo", 1)
        out["not_found"] = None
    except DirtyError as e:
        out["not_found"] = error_info(e)
    try:
        client.execute(app, "_private")
        out["private"] = None
    except DirtyError as e:
        out["private"] = error_info(e)
    status = client.status()
    out["status"] = {"live": status["live"], "workers": len(status["workers"]), "apps": [a["name"] for a in status["apps"]]}
    out["sent_ids"] = [str(i) for i in client.sent_ids]
    out["replies"] = client.replies
    out["id_mismatches"] = client.id_mismatches
    client.close()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
