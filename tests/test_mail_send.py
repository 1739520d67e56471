"""``kpixl mail send`` against a real SMTP server (issue 16, items 2 and 6).

aiosmtpd runs in the test process on 127.0.0.1 (a free port): plain, STARTTLS with
AUTH, and SMTPS, with a self-signed certificate made here with ``cryptography`` and
trusted through ``cafile`` or ``SSL_CERT_FILE``. Every message the server receives is
parsed back with the ``email`` package (policy default): the Thai subject decodes, the
To is the roster's, the attachment's bytes are the file's and its name is Thai. The
demo round is built into a temp folder and its master given addresses and a sender.
No mocks of smtplib.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import shutil
import sqlite3
import ssl
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import keyring
import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from keyring.backend import KeyringBackend

from kpixl.cli import cli
from kpixl.core.mail_text import DEFAULT_TEXTS
from kpixl.core.text import text_of
from kpixl.io.lock import hold_lock
from kpixl.io.mail_log import LOG_NAME, open_log
from kpixl.io.smtp import SmtpSettings, password_for, settings_from_url
from kpixl.jobs.demo import build_demo
from kpixl.jobs.mail_send import XLSM_NOTE, Outgoing, send_mail
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import read_master
from tests.mail_servers import Recorder, display_name, free_port, smtp_server

SENDER = "กลุ่มบริหารทรัพยากรบุคคล <hr@example.org>"
USER, PASSWORD = "hr", "s3cret-รหัส"


# --------------------------------------------------------------------- the server

__all__ = ["smtp_server"]  # the fixture, imported for pytest


@pytest.fixture
def server(smtp_server: tuple[Recorder, int]) -> tuple[Recorder, int]:
    """A plain SMTP server on 127.0.0.1 (no TLS, no AUTH): ``mail_servers.smtp_server``."""
    return smtp_server


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own authority): (cert, key) PEMs."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kpixl test 127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[Recorder, int]]:
    """STARTTLS required, then AUTH required (user hr)."""
    handler = Recorder()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def smtps_server(certificate: tuple[Path, Path]) -> Iterator[tuple[Recorder, int]]:
    """TLS from the first byte (SMTPS), AUTH required."""
    handler = Recorder()
    port = free_port()
    # aiosmtpd counts only STARTTLS as TLS (and warns about AUTH without it: the test's
    # filterwarnings mark); this server speaks TLS from the first byte
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        ssl_context=server_context(certificate),
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


# ------------------------------------------------------------------- the round


@pytest.fixture(scope="module")
def demo_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo round (3 units, 20 people), built once: its folder."""
    out = tmp_path_factory.mktemp("demo")
    build_demo(out)
    return out


def address_of(pid: str) -> str:
    return f"p{pid[-6:]}@example.org"


def set_master(
    master: Path,
    *,
    config: dict[str, Any] | None = None,
    emails: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
    heads: bool = True,
) -> None:
    """Give the master's roster addresses (``emails`` overrides by person id), the
    units' heads addresses, a sender and ``config``."""
    wb = openpyxl.load_workbook(master)
    cfg = wb[M.CONFIG]
    values = {"mail_from": SENDER, "mail_reply_to": "hr-reply@example.org", **(config or {})}
    for row in cfg.iter_rows(min_row=M.FIRST_ROW):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    roster = wb[M.ROSTER]
    col_id = M.ROSTER_COLUMNS.index("person_id") + 1
    col_mail = M.ROSTER_COLUMNS.index("email") + 1
    col_name = M.ROSTER_COLUMNS.index("name") + 1
    for r in range(M.FIRST_ROW, roster.max_row + 1):
        pid = text_of(roster.cell(r, col_id).value)
        if not pid:
            continue
        roster.cell(r, col_mail).value = (emails or {}).get(pid, address_of(pid))
        if names and pid in names:
            roster.cell(r, col_name).value = names[pid]
    units = wb[M.UNITS]
    for r in range(M.FIRST_ROW, units.max_row + 1):
        code = text_of(units.cell(r, 1).value)
        if code and heads:
            units.cell(r, 3).value = f"หัวหน้า {code}"
            units.cell(r, 4).value = f"head.{code.lower()}@example.org"
    wb.save(master)


@pytest.fixture
def round_dir(demo_round: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo round with addresses and a sender: its master."""
    folder = tmp_path / "round"
    shutil.copytree(demo_round, folder)
    master = folder / "master.xlsx"
    set_master(master)
    return master


def roster_of(master: Path) -> dict[str, dict[str, Any]]:
    inputs = read_master(master)
    return {text_of(r["person_id"]): r for r in inputs.roster.to_dict("records")}


def personal_files(master: Path) -> dict[str, Path]:
    from kpixl.jobs.notices import find_workbooks

    files, _ = find_workbooks(master.parent / "personal", "2570/1")
    return {pid: f.path for pid, f in files.items()}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attachments(message: EmailMessage) -> list[EmailMessage]:
    return [a for a in message.iter_attachments() if isinstance(a, EmailMessage)]


def no_sleep(seconds: float) -> None:
    return None


def smtp_url(port: int) -> str:
    return f"smtp://127.0.0.1:{port}"


# -------------------------------------------------------------------- agreements


def test_agreements_one_message_per_person(round_dir: Path, server: tuple[Recorder, int]) -> None:
    handler, port = server
    run = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    assert run.exit_code == 0, [str(f) for f in run.findings]
    roster = roster_of(round_dir)
    files = personal_files(round_dir)
    assert len(files) == len(roster) == 20
    got = handler.by_to()
    assert len(handler.received) == 20 and set(got) == {address_of(p) for p in roster}
    for pid, person in roster.items():
        received = got[address_of(pid)]
        message = received.message
        # the Thai subject, filled and RFC 2047 encoded on the wire, decodes
        name = str(person["name"])
        assert message["Subject"] == DEFAULT_TEXTS["mail_subject_agreements"].format(
            round="2570/1", name=name
        )
        assert message["To"].addresses[0].addr_spec == address_of(pid)
        assert display_name(received.raw, "To") == name
        assert message["From"].addresses[0].addr_spec == "hr@example.org"
        assert display_name(received.raw, "From") == "กลุ่มบริหารทรัพยากรบุคคล"
        assert message["Reply-To"].addresses[0].addr_spec == "hr-reply@example.org"
        assert message["Message-ID"].endswith("@example.org>") and message["Date"]
        assert received.mail_from == "hr@example.org"
        body = message.get_body(("plain",))
        assert body is not None and body.get_content().startswith(
            f"เรียน {name}\n\n"
        )  # paragraphs kept
        (part,) = attachments(message)
        assert part.get_filename() == files[pid].name  # the Thai file name, RFC 2231
        assert part.get_content_type() == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert part.get_content() == files[pid].read_bytes()
    # the raw message carries the subject encoded, never raw Thai in a header
    raw = handler.received[0].message.as_bytes()
    assert b"Subject: =?utf-8?" in raw and b"filename*" in raw
    # the log: one 'sent' row per person, the attachment's hash
    with open_log(round_dir.parent / LOG_NAME) as log:
        rows = log.sent("2570/1", "agreements")
    assert len(rows) == 20 and {r.status for r in rows} == {"sent"}
    assert {r.sha256 for r in rows} == {sha(p.read_bytes()) for p in files.values()}


def test_second_run_sends_nothing_changed_workbook_goes_again(
    round_dir: Path, server: tuple[Recorder, int]
) -> None:
    handler, port = server
    first = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    assert len(first.sent) == 20
    second = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    assert len(handler.received) == 20  # nothing new
    assert (len(second.sent), len(second.skipped)) == (0, 20) and second.exit_code == 0
    # one workbook changes (a new zip comment: other bytes, the same metadata)
    pid, path = sorted(personal_files(round_dir).items())[3]
    with zipfile.ZipFile(path, "a") as z:
        z.comment = b"edited by HR"
    third = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    assert [d.outgoing.key for d in third.sent] == [pid] and len(third.skipped) == 19
    assert "changed" in third.sent[0].why_en and "เปลี่ยน" in third.sent[0].why_th
    assert len(handler.received) == 21
    (part,) = attachments(handler.received[-1].message)
    assert part.get_content() == path.read_bytes()


def test_workbook_found_by_metadata_not_name(round_dir: Path, server: tuple[Recorder, int]) -> None:
    handler, port = server
    pid, path = sorted(personal_files(round_dir).items())[0]
    renamed = path.with_name("renamed by someone.xlsx")
    path.rename(renamed)
    decoy = round_dir.parent / "personal" / f"2570-1_{pid}_not-this-one.xlsx"
    decoy.write_bytes(b"not a workbook")
    run = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    received = handler.by_to()[address_of(pid)]
    (part,) = attachments(received.message)
    assert part.get_filename() == "renamed by someone.xlsx"
    assert part.get_content() == renamed.read_bytes()
    assert len(handler.received) == 20  # everyone, though the decoy is reported
    assert [f.rule for f in run.findings] == ["file.not_xlsx"] and run.findings[
        0
    ].file == decoy.name


def test_missing_bad_addresses_missing_workbooks_and_strangers(
    round_dir: Path, server: tuple[Recorder, int]
) -> None:
    handler, port = server
    roster = roster_of(round_dir)
    ids = sorted(roster)
    no_mail, bad_mail, no_book, stranger = ids[0], ids[1], ids[2], ids[3]
    set_master(round_dir, emails={no_mail: None, bad_mail: "somchai at example.org"})
    personal_files(round_dir)[no_book].unlink()
    # a workbook whose person is not on the roster: remove that roster row
    wb = openpyxl.load_workbook(round_dir)
    ws = wb[M.ROSTER]
    row = int(roster[stranger]["_row"])
    for c in range(1, len(M.ROSTER_COLUMNS) + 1):
        ws.cell(row, c).value = None
    wb.save(round_dir)
    run = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    email_col = openpyxl.utils.get_column_letter(M.ROSTER_COLUMNS.index("email") + 1)
    by_rule = {f.rule: f for f in run.findings}
    assert by_rule["mail.send_no_address"].person_id == no_mail
    assert by_rule["mail.send_no_address"].cell == f"{email_col}{int(roster[no_mail]['_row'])}"
    assert by_rule["mail.send_no_address"].sheet == M.ROSTER
    bad = by_rule["mail.send_bad_address"]
    assert bad.cell == f"{email_col}{int(roster[bad_mail]['_row'])}"
    assert "somchai at example.org" in bad.message_th
    assert by_rule["mail.send_no_workbook"].person_id == no_book
    assert by_rule["mail.send_not_on_roster"].person_id == stranger
    # the others went
    assert len(handler.received) == 16 and len(run.sent) == 16
    assert run.exit_code == 1


def test_one_recipient_refused_the_rest_go_on(
    round_dir: Path, server: tuple[Recorder, int]
) -> None:
    handler, port = server
    pid = sorted(roster_of(round_dir))[5]
    handler.refuse = {address_of(pid)}
    run = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    assert [d.outgoing.key for d in run.failed] == [pid]
    assert len(handler.received) == 19 and len(run.sent) == 19
    (fail,) = [f for f in run.findings if f.rule == "mail.send_failed"]
    assert "550" in fail.message_en and fail.person_id == pid and run.exit_code == 1
    with open_log(round_dir.parent / LOG_NAME) as log:
        (row,) = [r for r in log.sent("2570/1") if r.status == "failed"]
    assert row.key == pid and "550" in row.error
    # the next run retries only the refused one
    handler.refuse = set()
    again = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    assert [d.outgoing.key for d in again.sent] == [pid] and again.exit_code == 0
    assert handler.received[-1].rcpt_tos == [address_of(pid)]


def test_connection_failure_is_one_finding(round_dir: Path) -> None:
    port = free_port()  # nobody listens there
    run = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    stopped = [f for f in run.findings if f.rule == "mail.send_stopped"]
    assert len(stopped) == 1 and run.stopped and run.exit_code == 1
    assert not run.sent and not [f for f in run.findings if f.rule == "mail.send_failed"]
    with open_log(round_dir.parent / LOG_NAME) as log:
        assert log.sent("2570/1") == []


def test_rate_limit_sleeps_between_messages(round_dir: Path, server: tuple[Recorder, int]) -> None:
    handler, port = server
    set_master(round_dir, config={"mail_per_minute": 3})
    waits: list[float] = []
    run = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=waits.append)
    assert len(run.sent) == 20 and len(handler.received) == 20
    assert len(waits) == 19 and all(15 < w <= 20 for w in waits)  # 60 s / 3 per minute


def test_dry_run_sends_and_logs_nothing(round_dir: Path, server: tuple[Recorder, int]) -> None:
    handler, port = server
    run = send_mail(round_dir, "agreements", smtp=smtp_url(port), dry_run=True)
    assert len(run.planned) == 20 and not run.sent and not handler.received
    assert not (round_dir.parent / LOG_NAME).exists()
    # after a real run, the dry run lists them as already sent
    send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    log = round_dir.parent / LOG_NAME
    before = log.read_bytes()
    result = CliRunner().invoke(
        cli,
        [
            "mail",
            "send",
            str(round_dir),
            "--what",
            "agreements",
            "--smtp",
            smtp_url(port),
            "--dry-run",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["planned"] == [] and len(data["skipped"]) == 20
    assert all(s["subject"].startswith("แบบข้อตกลง") for s in data["skipped"])
    assert log.read_bytes() == before and len(handler.received) == 20


def test_outbox_eml_files(round_dir: Path, tmp_path: Path) -> None:
    outbox = tmp_path / "out box"
    run = send_mail(round_dir, "agreements", outbox=outbox)
    assert run.exit_code == 0 and len(run.outbox) == 20
    files = personal_files(round_dir)
    emls = sorted(outbox.glob("*.eml"))
    assert len(emls) == 20
    by_name = {p.name: p for p in files.values()}
    for eml in emls:
        raw = eml.read_bytes()
        assert b"\r\n" in raw  # SMTP line ends: what a mail program opens
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        assert message["Subject"].startswith("แบบข้อตกลงการประเมินผลการปฏิบัติราชการ รอบ 2570/1")
        (part,) = attachments(message)
        assert part.get_content() == by_name[part.get_filename()].read_bytes()
    again = send_mail(round_dir, "agreements", outbox=outbox)
    assert not again.sent and len(again.skipped) == 20 and len(list(outbox.glob("*.eml"))) == 20


def test_default_outbox_when_no_server(round_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["mail", "send", str(round_dir), "--what", "agreements"])
    assert result.exit_code == 0, result.output
    folder = round_dir.parent / "outbox"
    assert len(list(folder.glob("*.eml"))) == 20
    assert "mail.send_outbox_default" in result.output
    assert "ยังไม่ได้ตั้งเครื่องส่งอีเมล" in result.output and "no mail server is set" in result.output


def test_unit_option_limits_to_one_unit(round_dir: Path, server: tuple[Recorder, int]) -> None:
    handler, port = server
    roster = roster_of(round_dir)
    run = send_mail(round_dir, "agreements", unit="U02", smtp=smtp_url(port), sleep=no_sleep)
    expected = {address_of(p) for p, r in roster.items() if r["unit"] == "U02"}
    assert set(handler.by_to()) == expected and len(run.sent) == len(expected) > 0
    unknown = send_mail(round_dir, "agreements", unit="U99", smtp=smtp_url(port))
    assert [f.rule for f in unknown.findings] == ["mail.send_unknown_unit"]


def test_header_injection_in_names_and_subject(
    round_dir: Path, server: tuple[Recorder, int]
) -> None:
    handler, port = server
    pid = sorted(roster_of(round_dir))[0]
    evil = "สมชาย ใจดี\r\nBcc: thief@example.net\r\nX-Evil: 1"
    set_master(
        round_dir,
        names={pid: evil},
        config={"mail_subject_agreements": "รอบ {round}\nBcc: thief2@example.net {name}"},
    )
    run = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    assert len(run.sent) == 20
    for received in handler.received:
        assert received.rcpt_tos == [received.message["To"].addresses[0].addr_spec]
        assert received.message["Bcc"] is None and received.message["X-Evil"] is None
        assert "\n" not in received.message["Subject"]
    received = handler.by_to()[address_of(pid)]
    assert display_name(received.raw, "To") == "สมชาย ใจดี Bcc: thief@example.net X-Evil: 1"
    assert all("thief" not in to for r in handler.received for to in r.rcpt_tos)


def test_no_sender_is_a_finding(round_dir: Path, server: tuple[Recorder, int]) -> None:
    handler, port = server
    set_master(round_dir, config={"mail_from": "HR office"})
    run = send_mail(round_dir, "agreements", smtp=smtp_url(port))
    assert [f.rule for f in run.findings] == ["mail.send_no_from"] and not handler.received
    assert run.findings[0].sheet == M.CONFIG and run.findings[0].cell.startswith("B")


def test_two_runs_at_once(round_dir: Path, server: tuple[Recorder, int]) -> None:
    handler, port = server
    import os
    import subprocess
    import sys

    # another process holds the master's lock: this run sends nothing, exit 2
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from kpixl.io.lock import hold_lock\n"
            "with hold_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(30)",
            str(round_dir),
        ],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        run = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    assert run.exit_code == 2 and not handler.received and not run.sent
    assert [f.rule for f in run.findings] == ["write.locked"]
    with hold_lock(round_dir):  # re-entrant in one thread: a job holding it still sends
        inside = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    assert len(inside.sent) == 20


# ------------------------------------------------------------------- TLS, AUTH


def test_starttls_with_auth(
    round_dir: Path,
    tls_server: tuple[Recorder, int],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, port = tls_server
    url = f"smtp+starttls://{USER}@127.0.0.1:{port}"
    monkeypatch.setenv("KPIXL_SMTP_PASSWORD", PASSWORD)
    # the self-signed certificate is not trusted: stopped, one finding
    untrusted = send_mail(round_dir, "agreements", smtp=url, sleep=no_sleep)
    (stop,) = [f for f in untrusted.findings if f.rule == "mail.send_stopped"]
    assert "certificate" in stop.message_en and not handler.received
    # trusted through cafile: delivered, after STARTTLS and AUTH
    run = send_mail(round_dir, "agreements", smtp=url, sleep=no_sleep, cafile=str(certificate[0]))
    assert run.exit_code == 0 and len(handler.received) == 20
    assert run.server == url
    # a wrong password: one finding for the run, nothing sent
    monkeypatch.setenv("KPIXL_SMTP_PASSWORD", "wrong")
    path = sorted(personal_files(round_dir).values())[0]
    with zipfile.ZipFile(path, "a") as z:
        z.comment = b"changed"
    wrong = send_mail(round_dir, "agreements", smtp=url, sleep=no_sleep, cafile=str(certificate[0]))
    assert [f.rule for f in wrong.findings] == ["mail.send_stopped"]
    assert "login" in wrong.findings[0].message_en and len(handler.received) == 20


def test_starttls_settings_from_config_and_keyring(
    round_dir: Path,
    tls_server: tuple[Recorder, int],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, port = tls_server
    set_master(
        round_dir,
        config={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_security": "starttls",
            "smtp_user": USER,
        },
    )
    monkeypatch.delenv("KPIXL_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    # no password anywhere (this machine's keyring has no backend): one clear finding
    run = send_mail(round_dir, "agreements", sleep=no_sleep)
    (stop,) = [f for f in run.findings if f.rule == "mail.send_stopped"]
    assert "KPIXL_SMTP_PASSWORD" in stop.message_en and "keyring" in stop.message_en

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    before = keyring.get_keyring()
    memory = Memory()
    memory.set_password("kpixl-smtp", f"{USER}@127.0.0.1", PASSWORD)
    keyring.set_keyring(memory)
    try:
        run = send_mail(round_dir, "agreements", sleep=no_sleep)
    finally:
        keyring.set_keyring(before)
    assert run.exit_code == 0 and len(handler.received) == 20
    assert run.server == f"smtp+starttls://{USER}@127.0.0.1:{port}"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtps(
    round_dir: Path,
    smtps_server: tuple[Recorder, int],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, port = smtps_server
    monkeypatch.setenv("KPIXL_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    run = send_mail(
        round_dir,
        "agreements",
        unit="U01",
        smtp=f"smtps://{USER}@127.0.0.1:{port}",
        sleep=no_sleep,
    )
    assert run.exit_code == 0, [str(f) for f in run.findings]
    assert len(handler.received) == len(run.sent) > 0


def test_password_in_url_refused(round_dir: Path, server: tuple[Recorder, int]) -> None:
    handler, port = server
    result = CliRunner().invoke(
        cli,
        [
            "mail",
            "send",
            str(round_dir),
            "--what",
            "agreements",
            "--smtp",
            f"smtp+starttls://hr:{PASSWORD}@127.0.0.1:{port}",
        ],
    )
    assert result.exit_code == 1 and "mail.send_bad_smtp" in result.output
    assert PASSWORD not in result.output and not handler.received
    assert "password" in result.output and "รหัสผ่าน" in result.output
    as_json = CliRunner().invoke(
        cli,
        [
            "mail",
            "send",
            str(round_dir),
            "--what",
            "agreements",
            "--json",
            "--smtp",
            f"smtp+starttls://hr:{PASSWORD}@127.0.0.1:{port}",
        ],
    )
    assert as_json.exit_code == 1 and PASSWORD not in as_json.output
    (bad,) = json.loads(as_json.output)["findings"]
    assert bad["value"] == f"smtp+starttls://hr:***@127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:25", SmtpSettings("127.0.0.1", 25, "none", "")),
        ("smtp+starttls://hr@127.0.0.1:587", SmtpSettings("127.0.0.1", 587, "starttls", "hr")),
        ("smtps://hr%40office@127.0.0.1", SmtpSettings("127.0.0.1", 465, "ssl", "hr@office")),
        ("smtp+starttls://127.0.0.1", SmtpSettings("127.0.0.1", 587, "starttls", "")),
    ],
)
def test_smtp_urls(url: str, expected: SmtpSettings) -> None:
    assert settings_from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1",
        "smtp://",
        "smtps://u:p@127.0.0.1",
        "smtp://127.0.0.1:99999",
        "smtp://127.0.0.1/../x",
    ],
)
def test_bad_smtp_urls(url: str) -> None:
    from kpixl.io.smtp import SettingError

    with pytest.raises(SettingError):
        settings_from_url(url)


def test_keyring_without_backend_is_no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends.fail import Keyring as Fail

    monkeypatch.delenv("KPIXL_SMTP_PASSWORD", raising=False)
    before = keyring.get_keyring()
    keyring.set_keyring(Fail())
    try:
        assert password_for(SmtpSettings("127.0.0.1", 587, "starttls", "hr")) is None
    finally:
        keyring.set_keyring(before)
    monkeypatch.setenv("KPIXL_SMTP_PASSWORD", "from-env")
    assert password_for(SmtpSettings("127.0.0.1", 587, "starttls", "hr")) == "from-env"


# ------------------------------------------------------------- units, reminders


def test_units_to_heads_with_xlsm_note(round_dir: Path, server: tuple[Recorder, int]) -> None:
    from kpixl.excel.xlsm import unit_xlsm

    handler, port = server
    units = round_dir.parent / "units"
    xlsx = units / "U02.xlsx"
    xlsm = units / "U02.xlsm"
    xlsm.write_bytes(unit_xlsm(xlsx.read_bytes()))
    xlsx.unlink()
    run = send_mail(round_dir, "units", smtp=smtp_url(port), sleep=no_sleep)
    assert run.exit_code == 0, [str(f) for f in run.findings]
    got = handler.by_to()
    assert set(got) == {f"head.u0{i}@example.org" for i in (1, 2, 3)}
    for code in ("U01", "U02", "U03"):
        received = got[f"head.{code.lower()}@example.org"]
        message = received.message
        assert display_name(received.raw, "To") == f"หัวหน้า {code}"
        (part,) = attachments(message)
        body = message.get_body(("plain",))
        assert body is not None
        if code == "U02":
            assert part.get_filename() == "U02.xlsm"
            assert part.get_content_type() == "application/vnd.ms-excel.sheet.macroenabled.12"
            assert part.get_content() == xlsm.read_bytes()
            assert XLSM_NOTE in body.get_content() and "Trusted Location" in body.get_content()
        else:
            assert part.get_content() == (units / f"{code}.xlsx").read_bytes()
            assert XLSM_NOTE not in body.get_content()
        assert code in message["Subject"] or "สมุดงานหน่วยงาน" in message["Subject"]


def test_units_head_without_address(round_dir: Path, server: tuple[Recorder, int]) -> None:
    handler, port = server
    wb = openpyxl.load_workbook(round_dir)
    ws = wb[M.UNITS]
    ws.cell(M.FIRST_ROW + 1, 4).value = "head@@example.org"
    wb.save(round_dir)
    run = send_mail(round_dir, "units", smtp=smtp_url(port), sleep=no_sleep)
    (bad,) = [f for f in run.findings if f.rule == "mail.send_bad_address"]
    assert bad.sheet == M.UNITS and bad.cell == f"D{M.FIRST_ROW + 1}"
    assert len(handler.received) == 2


def test_reminders_plan_goes_once_per_step_and_due(
    round_dir: Path, server: tuple[Recorder, int]
) -> None:
    handler, port = server
    roster = roster_of(round_dir)
    pid = sorted(roster)[0]

    @dataclass
    class Reminder:  # the shape kpixl.jobs.status.Reminder has
        person_id: str
        name: str
        unit: str
        email: str
        step: str
        due: dt.date

    from kpixl.jobs.mail_send import reminder_plan

    def plan(step: str, due: dt.date) -> list[Outgoing]:
        findings: list[Any] = []
        person = roster[pid]
        r = Reminder(pid, str(person["name"]), str(person["unit"]), address_of(pid), step, due)
        return reminder_plan([r], read_master(round_dir), findings)

    first = plan("agreement_returned", dt.date(2026, 10, 31))
    run = send_mail(round_dir, "reminders", smtp=smtp_url(port), plan=first, sleep=no_sleep)
    assert len(run.sent) == 1 and run.exit_code == 0
    message = handler.received[0].message
    assert message["Subject"].startswith("เตือน") and not attachments(message)
    body = message.get_body(("plain",))
    assert body is not None and "31 ตุลาคม 2569" in body.get_content()
    again = send_mail(round_dir, "reminders", smtp=smtp_url(port), plan=first, sleep=no_sleep)
    assert not again.sent and len(again.skipped) == 1
    later = plan("agreement_returned", dt.date(2026, 11, 15))
    third = send_mail(round_dir, "reminders", smtp=smtp_url(port), plan=later, sleep=no_sleep)
    assert len(third.sent) == 1 and len(handler.received) == 2
    back = send_mail(round_dir, "reminders", smtp=smtp_url(port), plan=first, sleep=no_sleep)
    assert not back.sent  # the first reminder went already, even though it is not the newest


def test_cli_json_and_exit_codes(round_dir: Path, server: tuple[Recorder, int]) -> None:
    handler, port = server
    result = CliRunner().invoke(
        cli,
        [
            "mail",
            "send",
            str(round_dir),
            "--what",
            "agreements",
            "--smtp",
            smtp_url(port),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["sent"]) == 20 and data["server"] == smtp_url(port)
    assert {s["to"] for s in data["sent"]} == {r.rcpt_tos[0] for r in handler.received}
    text = CliRunner().invoke(
        cli, ["mail", "send", str(round_dir), "--what", "agreements", "--smtp", smtp_url(port)]
    )
    assert text.exit_code == 0 and "ส่งแล้วไม่ส่งซ้ำ 20" in text.output
    assert "20 already sent" in text.output


def test_log_is_sqlite_with_documented_tables(round_dir: Path, tmp_path: Path) -> None:
    send_mail(round_dir, "agreements", outbox=tmp_path / "o")
    with sqlite3.connect(round_dir.parent / LOG_NAME) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        statuses = {r[0] for r in db.execute("SELECT status FROM sent")}
    assert {"sent", "messages", "filed"} <= tables and statuses == {"outbox"}


# ------------------------------------------------------------------------ notices


@pytest.fixture(scope="module")
def noticed_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo round (2 units, 4 people) consolidated, its notices made as
    ``kpixl notices MASTER --out notices`` makes them (PDFs by LibreOffice)."""
    from kpixl.jobs.consolidate import consolidate
    from kpixl.jobs.notices import write_notices

    out = tmp_path_factory.mktemp("noticed")
    result = build_demo(out, units=2, people=4)
    set_master(result.master)  # before the notices: the unit head's name is on them
    consolidate(result.master)
    run = write_notices(result.master, out=out / "notices")
    assert len(run.pdfs) == 4 and run.exit_code == 0
    return out


def pdf_owners(folder: Path) -> dict[str, Path]:
    """Person id → PDF, as the notices job wrote them (from its index)."""
    data = json.loads((folder / "kpixl-notices.json").read_text(encoding="utf-8"))
    return {e["person_id"]: folder / e["file"] for e in data["notices"]}


def test_notices_by_index_not_by_name(
    noticed_round: Path, tmp_path: Path, server: tuple[Recorder, int]
) -> None:
    from kpixl.jobs.notices import write_notices

    handler, port = server
    folder = tmp_path / "round"
    shutil.copytree(noticed_round, folder)
    master = folder / "master.xlsx"
    notices = folder / "notices"
    owners = pdf_owners(notices)
    a, b, c, _ = sorted(owners)
    expected = {pid: owners[pid].read_bytes() for pid in owners}
    # two PDFs swap names; a third is changed by someone: it is not sent
    pa, pb = owners[a], owners[b]
    tmp = pa.with_name("swap.pdf")
    pa.rename(tmp)
    pb.rename(pa)
    tmp.rename(pb)
    with owners[c].open("ab") as handle:
        handle.write(b"%% changed\n")
    run = send_mail(master, "notices", smtp=smtp_url(port), sleep=no_sleep)
    assert [(f.rule, f.file) for f in run.findings] == [("mail.send_unknown_pdf", owners[c].name)]
    got = handler.by_to()
    assert set(got) == {address_of(p) for p in owners if p != c}
    for pid in (a, b):
        message = got[address_of(pid)].message
        assert message["Subject"].startswith("แจ้งผลการประเมินผลการปฏิบัติราชการ รอบ 2570/1")
        (part,) = attachments(message)
        assert part.get_content_type() == "application/pdf"
        assert part.get_content() == expected[pid]  # the person's own notice, whatever its name
        assert part.get_filename().endswith(".pdf") and "2570-1_" in part.get_filename()
    # the notices made again from the same results: new PDF bytes (LibreOffice stamps
    # the time), the same notices: not sent again; the changed one is sent now
    before = {pid: sha(p.read_bytes()) for pid, p in pdf_owners(notices).items()}
    write_notices(master, out=notices)
    assert all(sha(p.read_bytes()) != before[pid] for pid, p in pdf_owners(notices).items())
    again = send_mail(master, "notices", smtp=smtp_url(port), sleep=no_sleep)
    assert [d.outgoing.key for d in again.sent] == [c] and not again.sent[0].why_en
    assert {d.outgoing.key for d in again.skipped} == set(owners) - {c}
    assert len(handler.received) == 4


def test_notices_without_index(
    noticed_round: Path, tmp_path: Path, server: tuple[Recorder, int]
) -> None:
    handler, port = server
    folder = tmp_path / "round"
    shutil.copytree(noticed_round, folder)
    master = folder / "master.xlsx"
    (folder / "notices" / "kpixl-notices.json").unlink()
    run = send_mail(master, "notices", smtp=smtp_url(port), sleep=no_sleep)
    assert "mail.send_no_index" in [f.rule for f in run.findings] and not handler.received
    assert run.exit_code == 1


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("กลุ่มบริหารทรัพยากรบุคคล <hr@example.org>", True),
        ('"กลุ่ม HR" <HR@Example.ORG>', True),
        ("hr@example.org", True),
        ("HR <hr@example.org>\r\nBcc: thief@example.net", False),
        ("hr@example.org, thief@example.net", False),
        ('"a" <hr@example.org> <thief@example.net>', False),
        ('=HYPERLINK("http://x","y")', False),
        ("", False),
    ],
)
def test_sender_parsing(text: str, ok: bool) -> None:
    from kpixl.io.mail_message import parse_sender

    address, why = parse_sender(text)
    assert (address is not None) == ok and bool(why) != ok
    if address is not None:
        assert address.domain == "example.org"


def test_hostile_sender_in_config(round_dir: Path, server: tuple[Recorder, int]) -> None:
    handler, port = server
    set_master(round_dir, config={"mail_from": "HR <hr@example.org>\nBcc: thief@example.net"})
    run = send_mail(round_dir, "agreements", smtp=smtp_url(port))
    assert [f.rule for f in run.findings] == ["mail.send_no_from"] and not handler.received


def test_progress_is_reported(round_dir: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    run = send_mail(
        round_dir, "agreements", outbox=tmp_path / "o", progress=lambda d, t: seen.append((d, t))
    )
    assert len(run.sent) == 20
    assert seen[0] == (0, 20) and seen[-1] == (20, 20) and len(seen) == 21


def test_reminders_from_the_tracker(round_dir: Path, tmp_path: Path) -> None:
    """The late people of kpixl status get one reminder per step and due date."""
    set_master(round_dir, config={"agreement_due": "1/11/2569", "evaluation_due": "10/3/2570"})
    shutil.rmtree(round_dir.parent / "units")  # nothing collected yet
    late = sorted(personal_files(round_dir).items())[:3]
    for _, path in late:
        path.unlink()  # their agreements never came back
    outbox = tmp_path / "o"
    december = "2026-12-02T03:00:00+00:00"
    run = send_mail(round_dir, "reminders", outbox=outbox, clock=lambda: december)
    assert run.exit_code == 0, [str(f) for f in run.findings]
    assert sorted(d.outgoing.key for d in run.sent) == [pid for pid, _ in late]
    for d in run.sent:
        assert d.path is not None
        message = BytesParser(policy=policy.default).parsebytes(d.path.read_bytes())
        assert isinstance(message, EmailMessage) and not attachments(message)
        assert message["Subject"].startswith("เตือน: ยังไม่ได้รับแบบฟอร์ม รอบ 2570/1")
        assert message["To"].addresses[0].addr_spec == address_of(d.outgoing.key)
        body = message.get_body(("plain",))
        assert body is not None and "1 พฤศจิกายน 2569" in body.get_content()
    again = send_mail(round_dir, "reminders", outbox=outbox, clock=lambda: december)
    assert not again.sent and len(again.skipped) == 3
    # after the evaluation's due date: the evaluation step, reminded once more
    march = "2027-03-20T03:00:00+00:00"
    later = send_mail(round_dir, "reminders", outbox=outbox, clock=lambda: march)
    assert sorted(d.outgoing.key for d in later.sent) == [pid for pid, _ in late]
    assert "10 มีนาคม 2570" in later.sent[0].outgoing.values["due"]
    assert len(list(outbox.glob("*.eml"))) == 6


def test_outbox_that_is_a_file(round_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("not a folder")
    run = send_mail(round_dir, "agreements", outbox=blocker)
    assert run.exit_code == 2 and not run.sent
    assert [f.rule.split(".")[0] for f in run.findings] == ["write"]
    assert blocker.read_text() == "not a folder"


def test_units_folder_with_strangers(round_dir: Path, server: tuple[Recorder, int]) -> None:
    from kpixl.workbooks import unit_layout as U

    handler, port = server
    units = round_dir.parent / "units"
    old = units / "old" / "U01 (last round).xlsx"
    old.parent.mkdir()
    wb = openpyxl.load_workbook(units / "U01.xlsx")
    wb[U.HIDDEN][U.meta_cell("round_id")].value = "2569/2"
    wb.save(old)
    (units / "junk.xlsx").write_bytes(b"not a workbook at all")
    (units / "~$U02.xlsx").write_bytes(b"Excel's lock file")
    run = send_mail(round_dir, "units", smtp=smtp_url(port), sleep=no_sleep)
    found = {(f.rule, f.file) for f in run.findings}
    assert found == {("mail.send_other_round", old.name), ("file.not_xlsx", "junk.xlsx")}
    (other,) = [f for f in run.findings if f.rule == "mail.send_other_round"]
    assert "2569/2" in other.message_th and "2570/1" in other.message_en
    assert len(handler.received) == 3
    (part,) = attachments(handler.by_to()["head.u01@example.org"].message)
    assert part.get_content() == (units / "U01.xlsx").read_bytes()


def test_changed_address_is_sent_again(round_dir: Path, tmp_path: Path) -> None:
    outbox = tmp_path / "o"
    send_mail(round_dir, "agreements", outbox=outbox)
    pid = sorted(roster_of(round_dir))[7]
    set_master(round_dir, emails={pid: "new.address@example.org"})
    run = send_mail(round_dir, "agreements", outbox=outbox)
    assert [d.outgoing.to for d in run.sent] == ["new.address@example.org"]
    assert "address changed" in run.sent[0].why_en and address_of(pid) in run.sent[0].why_en
    assert len(run.skipped) == 19


@pytest.mark.parametrize("stem", ["../../escape", "..", "con", "a/b\\c\x00d", "ก" * 300, ""])
def test_outbox_names_stay_inside(tmp_path: Path, stem: str) -> None:
    from kpixl.io.mail_message import build_message, parse_sender
    from kpixl.io.smtp import OutboxTransport

    sender, _ = parse_sender(SENDER)
    assert sender is not None
    message = build_message(sender=sender, to="a@example.org", to_name="ก", subject="s", body="b")
    folder = tmp_path / "outbox"
    box = OutboxTransport(folder)
    first, second = box.send(message, stem=stem), box.send(message, stem=stem)
    assert first != second  # never over an earlier message
    for path in (first, second):
        assert path.parent == folder and path.suffix == ".eml"
        assert len(path.name.encode()) <= 255
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [first.name, second.name]
    )


@dataclass
class Limited(Recorder):
    """A server that takes at most ``per_session`` messages on one connection, then
    answers 421 (as Exchange and hosted services do)."""

    per_session: int = 6
    counts: dict[int, int] = field(default_factory=dict)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        n = self.counts.get(id(session), 0)
        if n >= self.per_session:
            return "421 4.7.0 too many messages on this connection"
        self.counts[id(session)] = n + 1
        envelope.mail_from = address
        return "250 OK"


def test_new_session_when_the_server_limits_one(round_dir: Path) -> None:
    handler = Limited()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        run = send_mail(round_dir, "agreements", smtp=smtp_url(port), sleep=no_sleep)
    finally:
        controller.stop()
    assert run.exit_code == 0 and len(run.sent) == 20
    assert len(handler.received) == 20 and len(set(handler.by_to())) == 20
    assert len(handler.counts) == 4  # 6 + 6 + 6 + 2 messages, four sessions


# ------------------------------------------------------- settings a hostile Config holds


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("mail_per_minute", "inf"),
        ("mail_per_minute", 0),
        ("mail_per_minute", -1),
        ("mail_per_minute", "abc"),
        ("mail_per_minute", 0.5),
        ("mail_per_minute", 1e9),
        ("smtp_port", "inf"),
        ("smtp_port", 2525.7),
        ("smtp_port", 99999),
    ],
)
def test_a_setting_consolidate_calls_unusable_stops_the_send(
    round_dir: Path, tmp_path: Path, key: str, value: object
) -> None:
    """What consolidate's Config check reports as unusable (config.mail_setting) stops the
    send with one finding; nothing is read as something else (0.5 a minute as 30, 2525.7
    as port 2525) and nothing crashes."""
    set_master(round_dir, config={"smtp_host": "127.0.0.1", key: value})
    run = send_mail(round_dir, "agreements", dry_run=True)
    assert [f.rule for f in run.findings if f.severity == "error"] == ["mail.send_bad_smtp"]
    assert key.split("_")[-1] in run.findings[-1].message_en  # minute, port
    assert not run.sent and not (round_dir.parent / LOG_NAME).exists()


def test_a_password_never_goes_out_unencrypted_to_another_machine(round_dir: Path) -> None:
    """smtp_security none with a user: the password would cross the network in clear;
    refused before connecting (``.invalid`` never resolves, should the guard fail)."""
    from kpixl.io.smtp import SmtpStop, SmtpTransport

    settings = settings_from_url("smtp://hr@mail.example.invalid:25")
    with pytest.raises(SmtpStop, match="not encrypted"):
        SmtpTransport(settings, password="secret").connect()
    set_master(
        round_dir,
        config={"smtp_host": "mail.example.invalid", "smtp_security": "none", "smtp_user": "hr"},
    )
    run = send_mail(round_dir, "agreements", sleep=no_sleep)
    assert not run.sent
    assert any("not encrypted" in f.message_en for f in run.findings)


def test_a_login_over_a_plain_connection_to_this_machine_still_works(
    round_dir: Path, server: tuple[Recorder, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loopback (a relay on the same PC) is the one place a plain login may go; the test
    server offers no AUTH, so the run stops at the login, past the encryption guard."""
    _, port = server
    monkeypatch.setenv("KPIXL_SMTP_PASSWORD", "secret")
    run = send_mail(round_dir, "agreements", smtp=f"smtp://hr@127.0.0.1:{port}", sleep=no_sleep)
    assert not any("not encrypted" in f.message_en for f in run.findings)


@pytest.mark.parametrize("typo", ["{ชื่อ}", "{ name }", "{name.__class__}", "{0}", "{}"])
def test_every_unknown_brace_in_a_mail_text_is_reported(round_dir: Path, typo: str) -> None:
    set_master(round_dir, config={"mail_subject_agreements": f"แบบข้อตกลง {typo} {{round}}"})
    run = send_mail(round_dir, "agreements", dry_run=True)
    placeholders = [f for f in run.findings if f.rule == "mail.send_placeholder"]
    assert [f.value for f in placeholders] == [typo]
