#!/usr/bin/python3
"""An intake client on python3-grpcio (Debian), for CpxTeleservice's interop tests.

Generates the Python code of protos/ with grpc_tools.protoc into a temporary folder at run time
(nothing generated is committed), runs one scenario over mutual TLS and prints one JSON object:
{"code": <grpc status code>, "codeName": ..., "details": ..., "acks": [...], "status": ...}.

Run with Debian's interpreter: /usr/bin/python3 intake_client.py --target 127.0.0.1:8443 \
  --ca root.pem [--cert org.crt --key org.key] --protos ../../../protos --scenario health
"""
import argparse
import importlib
import importlib.util
import json
import os
import sys
import tempfile
import threading

import grpc
import grpc_tools
from grpc_tools import protoc


def generate(protos, out):
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    files = [os.path.relpath(os.path.join(d, f), protos)
             for d, _, names in os.walk(protos) for f in names if f.endswith(".proto")]
    code = protoc.main(["grpc_tools.protoc", "-I" + protos, "-I" + include,
                        "--python_out=" + out, "--grpc_python_out=" + out] + files)
    if code != 0:
        raise SystemExit("protoc failed")
    sys.path.insert(0, out)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--protos", required=True)
    parser.add_argument("--scenario", required=True,
                        choices=["health", "health-unknown", "ordre-stream", "ars-adeli-stream", "ars-visa-stream",
                                 "deadline", "unknown-method", "oversize"])
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--timeout-ms", type=int, default=200)
    args = parser.parse_args()

    out = tempfile.mkdtemp(prefix="cpx-grpc-py-")
    generate(args.protos, out)
    intake = importlib.import_module("cpx.intake.v1.intake_pb2")
    intake_grpc = importlib.import_module("cpx.intake.v1.intake_pb2_grpc")
    # "grpc" is also the name of the installed package: load the generated health module by path.
    spec = importlib.util.spec_from_file_location("health_pb2", os.path.join(out, "grpc", "health", "v1", "health_pb2.py"))
    health = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(health)

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.ca),
        private_key=read(args.key) if args.key else None,
        certificate_chain=read(args.cert) if args.cert else None)
    channel = grpc.secure_channel(args.target, credentials)
    result = {"code": 0, "codeName": "OK", "details": "", "acks": []}

    def registration(i):
        return intake.ProfessionalRegistration(
            record_id="py-%d" % i + ("x" * args.size), version=i + 1, event=intake.INSCRIPTION, rpps="10100987659",
            identity=intake.Identity(nom_exercice="DUPONT", prenom="MARIE", civilite=intake.MME),
            exercise=intake.Exercise(profession="60", categorie_professionnelle="C", mode_exercice="S"))

    def ack(a):
        return {"recordId": a.record_id, "version": a.version,
                "outcome": intake.AckOutcome.Name(a.outcome), "reasonCode": a.reason_code}

    try:
        if args.scenario in ("health", "health-unknown"):
            check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                        request_serializer=health.HealthCheckRequest.SerializeToString,
                                        response_deserializer=health.HealthCheckResponse.FromString)
            service = "" if args.scenario == "health" else "no.such.Service"
            response = check(health.HealthCheckRequest(service=service), timeout=10)
            result["status"] = health.HealthCheckResponse.ServingStatus.Name(response.status)
        elif args.scenario in ("ordre-stream", "oversize"):
            stub = intake_grpc.OrdreIntakeStub(channel)
            for a in stub.StreamRegistrations(iter([registration(i) for i in range(args.count)]), timeout=30):
                result["acks"].append(ack(a))
        elif args.scenario == "ars-adeli-stream":
            stub = intake_grpc.ArsIntakeStub(channel)
            records = [intake.AdeliRegistration(record_id="py-%d" % i, version=1, adeli="751234567") for i in range(args.count)]
            for a in stub.StreamAdeliRegistrations(iter(records), timeout=30):
                result["acks"].append(ack(a))
        elif args.scenario == "ars-visa-stream":
            stub = intake_grpc.ArsIntakeStub(channel)
            records = [intake.VisaDecision(record_id="py-%d" % i, version=1, decision=intake.GRANTED) for i in range(args.count)]
            for a in stub.StreamVisaDecisions(iter(records), timeout=30):
                result["acks"].append(ack(a))
        elif args.scenario == "deadline":
            stub = intake_grpc.OrdreIntakeStub(channel)
            never = threading.Event()

            def silent():
                # Keeps the client's half of the stream open without sending anything.
                never.wait(60)
                return
                yield

            try:
                for a in stub.StreamRegistrations(silent(), timeout=args.timeout_ms / 1000.0):
                    result["acks"].append(ack(a))
            finally:
                never.set()
        elif args.scenario == "unknown-method":
            call = channel.unary_unary("/cpx.intake.v1.OrdreIntake/NoSuchMethod",
                                       request_serializer=health.HealthCheckRequest.SerializeToString,
                                       response_deserializer=health.HealthCheckResponse.FromString)
            call(health.HealthCheckRequest(), timeout=10)
    except grpc.RpcError as error:
        result["code"] = error.code().value[0]
        result["codeName"] = error.code().name
        result["details"] = error.details() or ""
    finally:
        channel.close()

    print(json.dumps(result))


if __name__ == "__main__":
    main()
