#!/usr/bin/env python3
"""A third-party ESME (python-smpplib) against idgw's SMSC simulator.

Used by crates/idgw/tests/interop.rs; runnable by hand against `idgw serve`:

    python3 scripts/interop/smpplib_esme.py --port 2775 --system-id ext-esme \
        --password ext-pass --to 447700900001

Steps, each bounded by --timeout seconds of socket inactivity and the whole run
by --deadline seconds:

1. bind_transceiver with a wrong password, then with an unknown system_id: both
   must be refused; the command_status of each bind_transceiver_resp is recorded.
2. bind_transceiver with the right credentials.
3. submit_sm (plain text, data_coding 0, registered_delivery 1) to --to; waits
   for submit_sm_resp (message_id) and for the delivery receipt deliver_sm
   (esm_class 0x04, text "id:... stat:DELIVRD"), answering it with deliver_sm_resp.
4. enquire_link -> enquire_link_resp (and any enquire_link from the SMSC is
   answered at any time).
5. unbind -> unbind_resp, then the SMSC closes the connection.

Prints one JSON object on stdout (the test asserts on it); exits 0 when the
script ran to the end, whatever it observed, and 2 on a usage or import error.
"""

import argparse
import json
import logging
import socket
import sys
import time

try:
    import smpplib.client
    import smpplib.consts
    import smpplib.exceptions
    import smpplib.smpp
except ImportError as e:  # the Rust test turns this into a failure with the message
    print(json.dumps({"error": "smpplib is not installed: %s" % e}))
    sys.exit(2)


def text(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def new_client(args):
    client = smpplib.client.Client(
        args.host, args.port, timeout=args.timeout, allow_unknown_opt_params=True
    )
    client.connect()
    return client


def refused_bind(args, system_id, password):
    """Binds with bad credentials; returns the command_status of the refusal."""
    client = new_client(args)
    try:
        resp = client.bind_transceiver(system_id=system_id, password=password)
        outcome = {"refused": False, "command_status": int(resp.status)}
        client.unbind()
    except smpplib.exceptions.PDUError as e:
        status = e.args[1] if len(e.args) > 1 else None
        outcome = {"refused": True, "command_status": status, "message": str(e.args[0])}
    finally:
        client.disconnect()
    return outcome


class Session:
    """Reads PDUs one at a time, answering the SMSC's requests as they come."""

    def __init__(self, client, deadline):
        self.client = client
        self.deadline = deadline
        self.enquire_links_answered = 0
        self.receipts = []
        self.others = []

    def next_pdu(self):
        if time.monotonic() > self.deadline:
            raise TimeoutError("deadline passed")
        pdu = self.client.read_pdu()
        if pdu.command == "enquire_link":
            resp = smpplib.smpp.make_pdu("enquire_link_resp", client=self.client)
            resp.sequence = pdu.sequence
            self.client.send_pdu(resp)
            self.enquire_links_answered += 1
        elif pdu.command == "deliver_sm":
            resp = smpplib.smpp.make_pdu(
                "deliver_sm_resp", client=self.client, status=smpplib.consts.SMPP_ESME_ROK
            )
            resp.sequence = pdu.sequence
            self.client.send_pdu(resp)
            self.receipts.append(
                {
                    "esm_class": int(pdu.esm_class or 0),
                    "source_addr": text(pdu.source_addr),
                    "destination_addr": text(pdu.destination_addr),
                    "short_message": text(pdu.short_message),
                    "receipted_message_id": text(getattr(pdu, "receipted_message_id", None)),
                    "message_state": getattr(pdu, "message_state", None),
                }
            )
        return pdu

    def wait_for(self, command, sequence=None):
        """The next PDU named `command` (with `sequence`), handling the others."""
        while True:
            pdu = self.next_pdu()
            if pdu.command == command and (sequence is None or pdu.sequence == sequence):
                return pdu
            if pdu.command not in ("enquire_link", "deliver_sm"):
                self.others.append(pdu.command)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--system-id", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--to", required=True, help="destination MSISDN")
    parser.add_argument("--from-addr", default="12345")
    parser.add_argument("--message", default="Hello from python-smpplib")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--deadline", type=float, default=30.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    deadline = time.monotonic() + args.deadline
    out = {"smpplib": True}

    # SMPP passwords are at most 8 octets (smpplib truncates longer ones): change the last one.
    wrong = args.password[:7] + ("x" if args.password[7:8] != "x" else "y")
    out["wrong_password"] = refused_bind(args, args.system_id, wrong)
    out["unknown_system_id"] = refused_bind(args, args.system_id + "-unknown", args.password)

    client = new_client(args)
    session = Session(client, deadline)
    try:
        resp = client.bind_transceiver(system_id=args.system_id, password=args.password)
        out["bind"] = {"command_status": int(resp.status), "system_id": text(resp.system_id)}

        submit = client.send_message(
            source_addr_ton=smpplib.consts.SMPP_TON_UNK,
            source_addr_npi=smpplib.consts.SMPP_NPI_UNK,
            source_addr=args.from_addr,
            dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
            dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
            destination_addr=args.to,
            data_coding=smpplib.consts.SMPP_ENCODING_DEFAULT,
            esm_class=smpplib.consts.SMPP_MSGMODE_DEFAULT,
            registered_delivery=1,
            short_message=args.message.encode("ascii"),
        )
        resp = session.wait_for("submit_sm_resp", submit.sequence)
        out["submit_sm_resp"] = {
            "command_status": int(resp.status),
            "message_id": text(resp.message_id),
            "sequence": resp.sequence,
            "submit_sequence": submit.sequence,
        }
        while not session.receipts:
            session.next_pdu()
        out["receipt"] = session.receipts[0]

        link = smpplib.smpp.make_pdu("enquire_link", client=client)
        client.send_pdu(link)
        resp = session.wait_for("enquire_link_resp", link.sequence)
        out["enquire_link_resp"] = {"command_status": int(resp.status), "sequence": resp.sequence}

        unbind = smpplib.smpp.make_pdu("unbind", client=client)
        client.send_pdu(unbind)
        resp = session.wait_for("unbind_resp", unbind.sequence)
        out["unbind_resp"] = {"command_status": int(resp.status)}
        try:
            client.read_pdu()
            out["closed_after_unbind"] = False
        except smpplib.exceptions.ConnectionError:
            out["closed_after_unbind"] = True
        except socket.timeout:
            out["closed_after_unbind"] = False
    except (smpplib.exceptions.PDUError, smpplib.exceptions.ConnectionError, OSError, TimeoutError) as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        client.disconnect()
    out["enquire_links_answered"] = session.enquire_links_answered
    out["receipts"] = session.receipts
    out["other_pdus"] = session.others
    print(json.dumps(out))


if __name__ == "__main__":
    main()
