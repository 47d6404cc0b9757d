"""elicence through its C ABI, with ctypes: no compiler, no dependencies.

    from elicence import SigningKey, Verifier, render_png
    with SigningKey.from_pem(open("issuer.key.pem", "rb").read()) as key:
        envelope, qr_text = key.issue(licence_json, unix_time, cert_pem=cert)
    with Verifier(open("root.cert.pem", "rb").read()) as verifier:
        verifier.add_trust_list(open("trust-list.cose", "rb").read(), unix_time)
        verdict = verifier.verify_qr_text(qr_text, unix_time)
        print(verdict.valid, verdict.json()["reasons"])

The library is found through ELICENCE_LIB (a path to libelicence.so), else
by the system's loader. Each handle is freed by its `close()`, at the end
of a `with` block, or when it is collected. Errors raise ElicenceError with
the library's result number and the detail of what was wrong.
"""

import ctypes
import ctypes.util
import json
import os

_path = os.environ.get("ELICENCE_LIB") or ctypes.util.find_library("elicence")
if not _path:
    raise ImportError("libelicence not found: set ELICENCE_LIB to libelicence.so")
_lib = ctypes.CDLL(_path)

_u8p = ctypes.POINTER(ctypes.c_uint8)
_size = ctypes.c_size_t
_result = ctypes.c_uint32
_handle = ctypes.c_void_p


def _declare(name, restype, *argtypes):
    function = getattr(_lib, name)
    function.restype = restype
    function.argtypes = list(argtypes)
    return function


_out = ctypes.POINTER(_handle)
_bytes_data = _declare("elicence_bytes_data", _u8p, _handle)
_bytes_len = _declare("elicence_bytes_len", _size, _handle)
_bytes_free = _declare("elicence_bytes_free", None, _handle)
_result_message = _declare(
    "elicence_result_message", _result, ctypes.c_uint32, ctypes.c_char_p, _size,
    ctypes.POINTER(_size))
_last_error = _declare(
    "elicence_last_error_message", _result, ctypes.c_char_p, _size, ctypes.POINTER(_size))
_key_from_pem = _declare("elicence_signing_key_from_pem", _result, ctypes.c_char_p, _size, _out)
_key_free = _declare("elicence_signing_key_free", None, _handle)
_issue = _declare(
    "elicence_issue_json_for", _result, _handle, ctypes.c_char_p, _size, ctypes.c_char_p, _size,
    ctypes.c_int64, ctypes.c_char_p, _size, _out, _out)
_verifier_new = _declare("elicence_verifier_new", _result, ctypes.c_char_p, _size, _out)
_verifier_free = _declare("elicence_verifier_free", None, _handle)
_add_trust_list = _declare(
    "elicence_verifier_add_trust_list_at", _result, _handle, ctypes.c_char_p, _size,
    ctypes.c_int64)
_add_status_list = _declare(
    "elicence_verifier_add_status_list_at", _result, _handle, ctypes.c_char_p, _size,
    ctypes.c_int64)
_verify_qr = _declare(
    "elicence_verify_qr_text", _result, _handle, ctypes.c_char_p, _size, ctypes.c_int64, _out)
_verify_envelope = _declare(
    "elicence_verify_envelope", _result, _handle, ctypes.c_char_p, _size, ctypes.c_int64, _out)
_verify_pdf = _declare(
    "elicence_verify_pdf", _result, _handle, ctypes.c_char_p, _size, ctypes.c_int64, _out)
_verdict_valid = _declare("elicence_verdict_is_valid", ctypes.c_bool, _handle)
_verdict_json = _declare("elicence_verdict_json", _result, _handle, _out)
_verdict_free = _declare("elicence_verdict_free", None, _handle)
_render_pdf = _declare(
    "elicence_render_pdf", _result, ctypes.c_char_p, _size, ctypes.c_char_p, _size, _out)
_render_png = _declare(
    "elicence_render_png", _result, ctypes.c_char_p, _size, ctypes.c_char_p, _size, _out)
_qr_text = _declare(
    "elicence_qr_text", _result, ctypes.c_char_p, _size, ctypes.c_char_p, _size, _out)
_registry_create = _declare(
    "elicence_registry_create", _result, ctypes.c_char_p, _size, ctypes.c_char_p, _size, _out)
_registry_open = _declare("elicence_registry_open", _result, ctypes.c_char_p, _size, _out)
_registry_free = _declare("elicence_registry_free", None, _handle)
_registry_issue = _declare(
    "elicence_registry_issue_json", _result, _handle, _handle, ctypes.c_char_p, _size,
    ctypes.c_char_p, _size, ctypes.c_char_p, _size, ctypes.c_int64, _out)
_publish_status = _declare(
    "elicence_registry_publish_status", _result, _handle, _handle, ctypes.c_char_p, _size,
    ctypes.c_char_p, _size, ctypes.c_int64, ctypes.c_uint64, ctypes.c_bool, _out)
_lists_count = _declare("elicence_status_lists_count", _size, _handle)
_lists_number = _declare("elicence_status_lists_number", ctypes.c_uint32, _handle, _size)
_lists_token = _declare("elicence_status_lists_token", _handle, _handle, _size)
_lists_free = _declare("elicence_status_lists_free", None, _handle)
_seal_pdf = _declare(
    "elicence_seal_pdf", _result, _handle, ctypes.c_char_p, _size, ctypes.c_char_p, _size,
    ctypes.c_char_p, _size, ctypes.c_char_p, _size, ctypes.c_int64, _out)

OK = 0


class ElicenceError(Exception):
    """A library function refused: `result` is its stable number."""

    def __init__(self, result):
        self.result = result
        self.meaning = _message(lambda buf, n, out: _result_message(result, buf, n, out))
        self.detail = _message(_last_error)
        super().__init__(f"{self.meaning} ({result}): {self.detail}")


def _message(call):
    needed = _size(0)
    call(None, 0, ctypes.byref(needed))
    buf = ctypes.create_string_buffer(max(needed.value, 1))
    written = _size(0)
    if call(buf, len(buf), ctypes.byref(written)) != OK:
        return ""
    return buf.raw[: written.value].decode("utf-8", "replace")


def _check(result):
    if result != OK:
        raise ElicenceError(result)


def _take_bytes(handle):
    """The bytes of an elicence_bytes, which is freed."""
    try:
        length = _bytes_len(handle)
        return ctypes.string_at(_bytes_data(handle), length) if length else b""
    finally:
        _bytes_free(handle)


def _text(value):
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


class _Handle:
    _free = None

    def __init__(self, handle):
        self._handle = handle

    def close(self):
        if self._handle:
            type(self)._free(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def _live(self):
        if not self._handle:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._handle


class SigningKey(_Handle):
    """An Ed25519 private key (PKCS#8 PEM), wiped when closed."""

    _free = staticmethod(_key_free)

    @classmethod
    def from_pem(cls, pem):
        pem = _text(pem)
        out = _handle()
        _check(_key_from_pem(pem, len(pem), ctypes.byref(out)))
        return cls(out.value)

    def issue(self, licence_json, unix_time, cert_pem=None, qr_base=None):
        """Signs a licence (JSON text or a dict): (envelope bytes, QR text).

        With `cert_pem`, the key's document signer certificate is checked
        first and the envelope carries its chain."""
        if isinstance(licence_json, dict):
            licence_json = json.dumps(licence_json, ensure_ascii=False)
        licence = _text(licence_json)
        cert = _text(cert_pem) if cert_pem else None
        base = _text(qr_base) if qr_base else None
        envelope, qr = _handle(), _handle()
        _check(_issue(self._live(), cert, len(cert) if cert else 0, licence, len(licence),
                      unix_time, base, len(base) if base else 0, ctypes.byref(envelope),
                      ctypes.byref(qr)))
        return _take_bytes(envelope.value), _take_bytes(qr.value).decode("ascii")

    def seal_pdf(self, pdf, seal, cert_pem, unix_time, template_json=None):
        """Seals a licence PDF with a seal record (a `.seal` file) the key's
        certificate (in `cert_pem`) may apply: the sealed PDF. The seal goes
        where the licence's template (`template_json`, else the built-in
        one) puts it."""
        pdf, seal, cert = bytes(pdf), bytes(seal), _text(cert_pem)
        if isinstance(template_json, dict):
            template_json = json.dumps(template_json, ensure_ascii=False)
        template = _text(template_json) if template_json else None
        out = _handle()
        _check(_seal_pdf(self._live(), cert, len(cert), seal, len(seal), pdf, len(pdf),
                         template, len(template) if template else 0, unix_time,
                         ctypes.byref(out)))
        return _take_bytes(out.value)


class Verdict(_Handle):
    """Valid or not, and why (the CLI's verdict JSON)."""

    _free = staticmethod(_verdict_free)

    @property
    def valid(self):
        return bool(_verdict_valid(self._live()))

    def json(self):
        out = _handle()
        _check(_verdict_json(self._live(), ctypes.byref(out)))
        return json.loads(_take_bytes(out.value))


class Verifier(_Handle):
    """Roots and/or bare public keys (PEM), then a trust list and status
    lists. Verifying may run on several threads at once; adding lists may
    not overlap with anything else on the same verifier."""

    _free = staticmethod(_verifier_free)

    def __init__(self, roots_or_keys_pem):
        pem = _text(roots_or_keys_pem)
        out = _handle()
        _check(_verifier_new(pem, len(pem), ctypes.byref(out)))
        super().__init__(out.value)

    def add_trust_list(self, data, unix_time):
        _check(_add_trust_list(self._live(), bytes(data), len(data), unix_time))

    def add_status_list(self, data, unix_time):
        _check(_add_status_list(self._live(), bytes(data), len(data), unix_time))

    def _verify(self, function, data, unix_time):
        out = _handle()
        _check(function(self._live(), data, len(data), unix_time, ctypes.byref(out)))
        return Verdict(out.value)

    def verify_qr_text(self, text, unix_time):
        return self._verify(_verify_qr, _text(text), unix_time)

    def verify_envelope(self, envelope, unix_time):
        return self._verify(_verify_envelope, bytes(envelope), unix_time)

    def verify_pdf(self, pdf, unix_time):
        return self._verify(_verify_pdf, bytes(pdf), unix_time)


class Registry(_Handle):
    """A licence registry (an SQLite file): issuing through it allocates the
    identifier and status entry and logs the issuance. One thread at a time
    per object; open one per thread on the same file."""

    _free = staticmethod(_registry_free)

    @classmethod
    def create(cls, location, log_origin):
        loc, origin = _text(str(location)), _text(log_origin)
        out = _handle()
        _check(_registry_create(loc, len(loc), origin, len(origin), ctypes.byref(out)))
        return cls(out.value)

    @classmethod
    def open(cls, location):
        loc = _text(str(location))
        out = _handle()
        _check(_registry_open(loc, len(loc), ctypes.byref(out)))
        return cls(out.value)

    def issue(self, key, licence_json, unix_time, cert_pem=None, request_id=None):
        """Issues a licence (JSON text or a dict, without identifier or
        status): its envelope. The same `request_id` (default: the JSON's
        SHA-256) is answered with the licence issued the first time."""
        if isinstance(licence_json, dict):
            licence_json = json.dumps(licence_json, ensure_ascii=False)
        licence = _text(licence_json)
        cert = _text(cert_pem) if cert_pem else None
        request = _text(request_id) if request_id else None
        out = _handle()
        _check(_registry_issue(self._live(), key._live(), cert, len(cert) if cert else 0,
                               request, len(request) if request else 0, licence, len(licence),
                               unix_time, ctypes.byref(out)))
        return _take_bytes(out.value)

    def publish_status(self, key, cert_pem, base, unix_time, ttl_secs, all_lists=False):
        """Signs the changed status lists (every list with `all_lists`) of
        the status signer's authority: [(number, token bytes)], each served
        at `{base}/{number}`. Store every token: the registry has marked
        them published."""
        cert, base = _text(cert_pem), _text(base)
        out = _handle()
        _check(_publish_status(self._live(), key._live(), cert, len(cert), base, len(base),
                               unix_time, ttl_secs, all_lists, ctypes.byref(out)))
        try:
            lists = []
            for i in range(_lists_count(out.value)):
                token = _lists_token(out.value, i)
                data = ctypes.string_at(_bytes_data(token), _bytes_len(token))
                lists.append((_lists_number(out.value, i), data))
            return lists
        finally:
            _lists_free(out.value)


def qr_text(envelope, qr_base=None):
    """The QR text of an envelope, for the scan endpoint base `qr_base`."""
    envelope = bytes(envelope)
    base = _text(qr_base) if qr_base else None
    out = _handle()
    _check(_qr_text(envelope, len(envelope), base, len(base) if base else 0, ctypes.byref(out)))
    return _take_bytes(out.value).decode("ascii")


def _render(function, envelope, options):
    envelope = bytes(envelope)
    if isinstance(options, dict):
        options = json.dumps(options)
    opts = _text(options) if options else None
    out = _handle()
    _check(function(envelope, len(envelope), opts, len(opts) if opts else 0, ctypes.byref(out)))
    return _take_bytes(out.value)


def render_pdf(envelope, options=None):
    """The licence's printable PDF (options: the render options JSON or a dict)."""
    return _render(_render_pdf, envelope, options)


def render_png(envelope, options=None):
    """The licence's phone PNG."""
    return _render(_render_png, envelope, options)
