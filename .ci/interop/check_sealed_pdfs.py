"""Validates every seal (PAdES signature) of sealed licence PDFs with pyHanko.

pyHanko is an independent peer: it shares no code with the crate. Usage:

    check_sealed_pdfs.py --root ROOT.pem [--expect-seals N] [--at TIME] PDF...
    check_sealed_pdfs.py --root ROOT.pem --tamper [--at TIME] PDF...

The only trust anchors are the certificates in ROOT.pem; nothing is fetched
from the network and revocation checking is soft-fail (the demo PKI publishes
no CRL or OCSP). pyHanko's own key-usage policy applies: the signer's
certificate must carry nonRepudiation (contentCommitment), as our CA writes it.

Normal mode prints one line per signature and exits 1 unless, in every file,
every signature is intact, valid, trusted and pyHanko's bottom line holds, the
SubFilter is /ETSI.CAdES.detached, the last signature covers the whole file,
and each earlier one covers its whole revision with only the later changes
pyHanko's default diff policy allows at FORM_FILLING or below (adding a
signature field with its widget and appearance). --expect-seals N also wants
exactly N signatures in each file.

--tamper copies each PDF to a temporary file with one byte changed in the
middle of the first signature's first signed byte range (inside a stream if
one lies there), and exits 1 unless pyHanko refuses that signature (not
intact, not valid, or an error while validating).

Exit status: 0 all good, 1 a check failed, 2 bad usage or unreadable root.
"""

import argparse
import logging
import os
import signal
import sys
import tempfile
from datetime import datetime, timezone

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

PADES_SUBFILTER = '/ETSI.CAdES.detached'
# Highest modification level accepted after an earlier signature: adding a
# (visible) signature field, its widget and appearance is FORM_FILLING.
MAX_LATER_CHANGES = ModificationLevel.FORM_FILLING


class Problem(Exception):
    """An expected failure, reported as one message without a stack trace."""


class LogCollector(logging.Handler):
    """Keeps pyHanko's warnings (first line only) to explain a failure."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        try:
            text = record.getMessage().strip().splitlines()[0]
        except Exception:  # noqa: BLE001 - a log record never stops a check
            return
        if text and text not in self.messages:
            self.messages.append(text)

    def take(self):
        messages, self.messages = self.messages, []
        return messages


LOG = LogCollector()


def setup_logging():
    root = logging.getLogger()
    root.handlers[:] = [LOG]
    root.setLevel(logging.WARNING)


def load_roots(path):
    try:
        roots = list(load_certs_from_pemder([path]))
    except OSError as e:
        raise Problem(f'cannot read the root certificate {path}: {e.strerror}') from e
    except Exception as e:  # noqa: BLE001 - asn1crypto/pem raise assorted errors
        raise Problem(f'{path} holds no readable certificate: {e}') from e
    if not roots:
        raise Problem(f'{path} holds no certificate')
    return roots


def parse_time(text):
    try:
        moment = datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError as e:
        raise Problem(f'--at {text!r} is not an ISO 8601 time') from e
    if moment.tzinfo is None:
        raise Problem(f'--at {text!r} has no UTC offset')
    return moment


def common_name(cert: asn1_x509.Certificate):
    try:
        cn = cert.subject.native.get('common_name')
    except Exception:  # noqa: BLE001
        cn = None
    if isinstance(cn, list):
        cn = cn[-1]
    return cn or cert.subject.human_friendly


def yes(flag):
    return 'yes' if flag else 'NO'


def open_reader(path):
    """Returns (file object, PdfFileReader); the caller closes the file."""
    try:
        stream = open(path, 'rb')
    except OSError as e:
        raise Problem(f'cannot open: {e.strerror}') from e
    try:
        return stream, PdfFileReader(stream, strict=True)
    except Exception as e:  # noqa: BLE001 - pyHanko raises PdfReadError and more
        stream.close()
        raise Problem(f'pyHanko cannot read the PDF: {type(e).__name__}: {e}') from e


def signatures_of(reader):
    """The signatures pyHanko validates, oldest first, after checking that it
    skipped no filled signature field (it ignores unknown SubFilters)."""
    try:
        every = reader.embedded_signatures
        filled = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as e:  # noqa: BLE001 - malformed /Contents, CMS, form, …
        raise Problem(f'pyHanko cannot read the signatures: {type(e).__name__}: {e}') from e
    embedded = [e for e in every if e.sig_object_type == '/Sig']
    if len(filled) != len(every):
        known = {e.field_name for e in every}
        skipped = []
        for name, sig_obj, _field in filled:
            if name not in known:
                sub = sig_obj.get_object().get('/SubFilter')
                skipped.append(f'{name} (/SubFilter {sub})')
        raise Problem('pyHanko skips signature field(s) it cannot read: ' + ', '.join(skipped))
    if len(embedded) != len(every):
        raise Problem('the file holds a document timestamp (/DocTimeStamp), which a seal is not')
    return embedded


def validation_context(roots, moment):
    # A fresh context per signature: each CMS must carry its own chain.
    return ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode='soft-fail', moment=moment
    )


def validate(emb, roots, moment):
    LOG.take()
    try:
        status = validate_pdf_signature(
            emb, signer_validation_context=validation_context(roots, moment)
        )
    except Exception as e:  # noqa: BLE001 - malformed CMS, dictionary, …
        return None, [f'pyHanko refuses the signature: {type(e).__name__}: {e}'] + LOG.take()
    return status, LOG.take()


def describe(path, emb, status):
    sig = emb.sig_object
    m = sig.get('/M')
    try:
        signer = common_name(emb.signer_cert)
    except Exception:  # noqa: BLE001
        signer = '?'
    fields = [
        path,
        f'field={emb.field_name}',
        f'signer="{signer}"',
        f'M={m if m is not None else "-"}',
    ]
    if status is None:
        return '  '.join(fields + ['bottom_line=NO (not validated)'])
    level = status.modification_level
    fields += [
        f'intact={yes(status.intact)}',
        f'valid={yes(status.valid)}',
        f'trusted={yes(status.trusted)}',
        f'coverage={status.coverage.name if status.coverage else "-"}',
        f'modification={level.name if level is not None else "-"}',
        f'bottom_line={yes(status.bottom_line)}',
        f'alg={status.pkcs7_signature_mechanism}/{status.md_algorithm}',
        f'subfilter={sig.get("/SubFilter")}',
    ]
    return '  '.join(fields)


def failures(emb, status, is_last):
    """Why this signature does not pass, as a list of reasons."""
    if status is None:
        return ['not validated']
    why = []
    if not status.intact:
        why.append('not intact: the signed bytes do not match the message digest')
    if not status.valid:
        why.append('not valid: the signature does not verify under the signer certificate')
    if not status.trusted:
        indic = status.trust_problem_indic
        why.append(f'not trusted ({indic.name if indic else "no path to the root"})')
    if emb.sig_object.get('/SubFilter') != PADES_SUBFILTER:
        why.append(f'/SubFilter is not {PADES_SUBFILTER}')
    if is_last:
        if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            why.append(f'the last signature does not cover the entire file ({status.coverage.name})')
    else:
        if status.coverage != SignatureCoverageLevel.ENTIRE_REVISION:
            why.append(f'coverage is {status.coverage.name}, not ENTIRE_REVISION')
        level = status.modification_level
        if isinstance(status.diff_result, SuspiciousModification):
            why.append(f'later revisions make changes pyHanko does not allow: {status.diff_result}')
        elif level is None or level > MAX_LATER_CHANGES:
            why.append(f'later changes are at level {level.name if level else "unknown"}, '
                       f'above {MAX_LATER_CHANGES.name}')
    if not status.bottom_line and not why:
        why.append('pyHanko\'s bottom line is negative')
    return why


def check_file(path, roots, moment, expect):
    ok = True
    stream, reader = open_reader(path)
    with stream:
        sigs = signatures_of(reader)
        if not sigs:
            raise Problem('no signature')
        if expect is not None and len(sigs) != expect:
            print(f'{path}: FAIL: {len(sigs)} signature(s), expected {expect}')
            ok = False
        for i, emb in enumerate(sigs):
            status, notes = validate(emb, roots, moment)
            print(describe(path, emb, status))
            why = failures(emb, status, is_last=(i == len(sigs) - 1))
            if why:
                ok = False
                for reason in why:
                    print('    FAIL: ' + str(reason).replace('\n', '\n          '))
                for note in notes:
                    print(f'    pyHanko: {note}')
    return ok


def pick_tamper_offset(data, end):
    """An offset in [0, end) near its middle: the middle of a stream's data if
    one lies there, else an alphanumeric byte nearest the middle."""
    middle = end // 2
    best = None
    pos = 0
    while True:
        kw = data.find(b'stream', pos, end)
        if kw < 0:
            break
        pos = kw + 6
        if data[kw - 3:kw] == b'end':
            continue
        start = kw + 6
        if data[start:start + 2] == b'\r\n':
            start += 2
        elif data[start:start + 1] in (b'\n', b'\r'):
            start += 1
        else:
            continue
        stop = data.find(b'endstream', start, end)
        if stop < 0 or stop - start < 4:
            continue
        off = (start + stop) // 2
        if best is None or abs(off - middle) < abs(best - middle):
            best = off
    if best is not None:
        return best, 'stream data'
    for delta in range(end):
        for off in (middle - delta, middle + delta):
            if 0 <= off < end and chr(data[off]).isalnum():
                return off, 'alphanumeric byte'
    raise Problem('found no byte to change in the first signed range')


def changed(byte):
    c = chr(byte)
    for alphabet in ('0123456789', 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'):
        if c in alphabet:
            return ord(alphabet[(alphabet.index(c) + 1) % len(alphabet)])
    return byte ^ 0x01


def tamper_file(path, roots, moment, workdir):
    stream, reader = open_reader(path)
    with stream:
        sigs = signatures_of(reader)
        if not sigs:
            raise Problem('no signature to tamper with')
        first = sigs[0]
        br = [int(x) for x in first.byte_range]
        stream.seek(0)
        data = bytearray(stream.read())
    if len(br) != 4 or br[0] != 0 or br[1] <= 0:
        raise Problem(f'the first signature has an unusual /ByteRange {br}')
    off, where = pick_tamper_offset(bytes(data), br[1])
    old = data[off]
    data[off] = changed(old)
    copy = os.path.join(workdir, 'tampered-' + os.path.basename(path))
    with open(copy, 'wb') as f:
        f.write(data)
    print(f'{path}: changed byte {off} ({where}, {old:#04x} -> {data[off]:#04x}) '
          f'in {first.field_name}\'s range 0..{br[1]}')
    try:
        stream, reader = open_reader(copy)
    except Problem as e:
        print(f'    refused: {e}')
        return True
    with stream:
        try:
            sigs = signatures_of(reader)
        except Problem as e:
            print(f'    refused: {e}')
            return True
        if not sigs:
            print('    refused: pyHanko finds no signature in the tampered copy')
            return True
        refused_first = None
        for i, emb in enumerate(sigs):
            status, notes = validate(emb, roots, moment)
            print('    ' + describe(os.path.basename(copy), emb, status))
            refused = status is None or not (status.intact and status.valid)
            if status is None:
                print(f'        {notes[0]}')
            if i == 0:
                refused_first = refused
    if refused_first:
        print(f'    refused: {sigs[0].field_name} is reported not intact or invalid')
        return True
    print(f'{path}: FAIL: the tampered copy still validates as intact and valid')
    return False


def main(argv=None):
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(
        description='Validate the seals (PAdES signatures) of PDFs with pyHanko.')
    ap.add_argument('--root', required=True, help='PEM file with the only trust root(s)')
    ap.add_argument('--expect-seals', type=int, metavar='N',
                    help='require exactly N signatures in each PDF')
    ap.add_argument('--tamper', action='store_true',
                    help='check that a one-byte change in the first signed range is refused')
    ap.add_argument('--at', metavar='TIME',
                    help='validation time, ISO 8601 with offset (default: now)')
    ap.add_argument('pdfs', nargs='+', metavar='PDF')
    args = ap.parse_args(argv)
    setup_logging()
    try:
        roots = load_roots(args.root)
        moment = parse_time(args.at) if args.at else datetime.now(timezone.utc)
    except Problem as e:
        print(f'check_sealed_pdfs: {e}', file=sys.stderr)
        return 2
    if args.expect_seals is not None and args.expect_seals < 1:
        print('check_sealed_pdfs: --expect-seals must be at least 1', file=sys.stderr)
        return 2

    failed = 0
    with tempfile.TemporaryDirectory(prefix='check-sealed-') as workdir:
        for path in args.pdfs:
            try:
                if args.tamper:
                    ok = tamper_file(path, roots, moment, workdir)
                else:
                    ok = check_file(path, roots, moment, args.expect_seals)
            except Problem as e:
                print(f'{path}: FAIL: {e}')
                ok = False
            except Exception as e:  # noqa: BLE001 - report, go on with the next file
                print(f'{path}: FAIL: unexpected {type(e).__name__}: {e}')
                ok = False
            failed += not ok
    n = len(args.pdfs)
    if args.tamper:
        print(f'check_sealed_pdfs: {n - failed} of {n} tampered cop(ies) refused')
    else:
        print(f'check_sealed_pdfs: {n - failed} of {n} PDF(s) pass')
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
