#!/usr/bin/python3
"""Streams a file of intake records to CpxTeleservice over gRPC with mutual TLS (python3-grpcio).

The file holds one record per line, in the protobuf JSON mapping of protos/cpx/intake/v1/intake.proto
(a ProfessionalRegistration, an AdeliRegistration or a VisaDecision, according to --service). Every
ack is printed as one JSON line on stdout, in order; a summary goes to stderr. An ack is sent only once
the record's effect is committed, so after an interruption, resend from the first record without an
ack (--from N): what was already applied comes back DUPLICATE, with no second effect.

  /usr/bin/python3 samples/python/stream_records.py --target 127.0.0.1:8443 \
      --ca .data/pki/trust/root.pem --cert .data/pki/organisations/ordre.crt --key .data/pki/organisations/ordre.key \
      --service ordre samples/registrations.jsonl

Needs Debian's python3-grpcio, python3-grpc-tools and python3-protobuf (run it with /usr/bin/python3).
The Python code of the protos is generated at start into a temporary folder.
"""
import argparse
import collections
import importlib
import json
import os
import sys
import tempfile

import grpc
import grpc_tools
from google.protobuf import json_format
from grpc_tools import protoc

SERVICES = {
    # --service: (stub, method, request message)
    "ordre": ("OrdreIntakeStub", "StreamRegistrations", "ProfessionalRegistration"),
    "ars-adeli": ("ArsIntakeStub", "StreamAdeliRegistrations", "AdeliRegistration"),
    "ars-visa": ("ArsIntakeStub", "StreamVisaDecisions", "VisaDecision"),
}


def load_protos(protos):
    out = tempfile.mkdtemp(prefix="cpx-intake-py-")
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    files = [os.path.relpath(os.path.join(d, f), protos)
             for d, _, names in os.walk(os.path.join(protos, "cpx")) for f in names if f.endswith(".proto")]
    if protoc.main(["protoc", "-I" + protos, "-I" + include, "--python_out=" + out, "--grpc_python_out=" + out] + files) != 0:
        raise SystemExit("protoc failed on " + protos)
    sys.path.insert(0, out)
    return importlib.import_module("cpx.intake.v1.intake_pb2"), importlib.import_module("cpx.intake.v1.intake_pb2_grpc")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="records, one JSON object per line")
    parser.add_argument("--target", default="127.0.0.1:8443")
    parser.add_argument("--ca", required=True, help="PEM of the root that issued the server's certificate")
    parser.add_argument("--cert", help="the organisation certificate (PEM)")
    parser.add_argument("--key", help="its private key (PEM)")
    parser.add_argument("--service", choices=sorted(SERVICES), default="ordre")
    parser.add_argument("--from", dest="start", type=int, default=1, help="first line to send (1-based)")
    parser.add_argument("--timeout", type=float, default=600, help="deadline of the call, in seconds")
    parser.add_argument("--protos", default=os.path.join(here, "..", "..", "protos"))
    args = parser.parse_args()

    intake, intake_grpc = load_protos(os.path.abspath(args.protos))
    stub_name, method, message = SERVICES[args.service]

    def records():
        with open(args.file, encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if number >= args.start and line.strip():
                    yield json_format.Parse(line, getattr(intake, message)())

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.ca),
        private_key=read(args.key) if args.key else None,
        certificate_chain=read(args.cert) if args.cert else None)
    counts = collections.Counter()
    with grpc.secure_channel(args.target, credentials) as channel:
        call = getattr(getattr(intake_grpc, stub_name)(channel), method)
        try:
            for ack in call(records(), timeout=args.timeout):
                counts[intake.AckOutcome.Name(ack.outcome)] += 1
                print(json.dumps(json_format.MessageToDict(ack, preserving_proto_field_name=False)), flush=True)
        except grpc.RpcError as error:
            print(json.dumps({"error": error.code().name, "details": error.details()}), file=sys.stderr)
            print(json.dumps(dict(counts)), file=sys.stderr)
            return 1
    print(json.dumps(dict(counts)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
