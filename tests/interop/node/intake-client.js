#!/usr/bin/env node
// An intake client on @grpc/grpc-js with @grpc/proto-loader (protos loaded at run time, nothing
// generated), for CpxTeleservice's interop tests. Runs one scenario over mutual TLS and prints one
// JSON object: {"code": <grpc status code>, "codeName", "details", "acks": [...], "status"}.
//
//   node intake-client.js --target 127.0.0.1:8443 --ca root.pem [--cert org.crt --key org.key] \
//        --protos ../../../protos --scenario health
'use strict';
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

function parseArgs(argv) {
  const args = { count: 3, size: 0, 'timeout-ms': 200 };
  for (let i = 0; i < argv.length; i += 2) {
    args[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const count = Number(args.count);
const loaderOptions = { keepCase: false, longs: Number, enums: String, defaults: true, includeDirs: [args.protos] };
const definition = protoLoader.loadSync(['cpx/intake/v1/intake.proto', 'grpc/health/v1/health.proto'], loaderOptions);
const proto = grpc.loadPackageDefinition(definition);
const credentials = grpc.credentials.createSsl(
  fs.readFileSync(args.ca),
  args.key ? fs.readFileSync(args.key) : null,
  args.cert ? fs.readFileSync(args.cert) : null);
const result = { code: 0, codeName: 'OK', details: '', acks: [] };
const codeNames = Object.fromEntries(Object.entries(grpc.status).map(([name, value]) => [value, name]));

function finish(error) {
  if (error) {
    result.code = error.code;
    result.codeName = codeNames[error.code] || String(error.code);
    result.details = error.details || '';
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

function deadline(ms) {
  return new Date(Date.now() + ms);
}

function ack(a) {
  return { recordId: a.recordId, version: Number(a.version), outcome: a.outcome, reasonCode: a.reasonCode };
}

// Sends `records` on a bidi call, collects the acks, reports the status.
function stream(call, records, keepOpen) {
  call.on('data', (a) => result.acks.push(ack(a)));
  call.on('error', (error) => finish(error));
  call.on('end', () => finish(null));
  for (const record of records) {
    call.write(record);
  }
  if (!keepOpen) {
    call.end();
  }
}

function registration(i) {
  return {
    recordId: `js-${i}` + 'x'.repeat(Number(args.size)),
    version: i + 1,
    event: 'INSCRIPTION',
    rpps: '10100987659',
    identity: { nomExercice: 'DUPONT', prenom: 'MARIE', civilite: 'MME' },
    exercise: { profession: '60', categorieProfessionnelle: 'C', modeExercice: 'S' },
  };
}

const target = args.target;
switch (args.scenario) {
  case 'health':
  case 'health-unknown': {
    const client = new proto.grpc.health.v1.Health(target, credentials);
    const service = args.scenario === 'health' ? '' : 'no.such.Service';
    client.Check({ service }, { deadline: deadline(10000) }, (error, response) => {
      if (!error) {
        result.status = response.status;
      }
      finish(error);
    });
    break;
  }
  case 'ordre-stream':
  case 'oversize': {
    const client = new proto.cpx.intake.v1.OrdreIntake(target, credentials);
    const records = Array.from({ length: count }, (_, i) => registration(i));
    stream(client.StreamRegistrations({ deadline: deadline(30000) }), records, false);
    break;
  }
  case 'ars-adeli-stream': {
    const client = new proto.cpx.intake.v1.ArsIntake(target, credentials);
    const records = Array.from({ length: count }, (_, i) => ({ recordId: `js-${i}`, version: 1, adeli: '751234567' }));
    stream(client.StreamAdeliRegistrations({ deadline: deadline(30000) }), records, false);
    break;
  }
  case 'ars-visa-stream': {
    const client = new proto.cpx.intake.v1.ArsIntake(target, credentials);
    const records = Array.from({ length: count }, (_, i) => ({ recordId: `js-${i}`, version: 1, decision: 'GRANTED' }));
    stream(client.StreamVisaDecisions({ deadline: deadline(30000) }), records, false);
    break;
  }
  case 'deadline': {
    // The stream stays open and silent: only the deadline ends it.
    const client = new proto.cpx.intake.v1.OrdreIntake(target, credentials);
    stream(client.StreamRegistrations({ deadline: deadline(Number(args['timeout-ms'])) }), [], true);
    break;
  }
  case 'unknown-method': {
    const client = new grpc.Client(target, credentials);
    const identity = (x) => x;
    client.makeUnaryRequest('/cpx.intake.v1.OrdreIntake/NoSuchMethod', identity, identity, Buffer.alloc(0),
      { deadline: deadline(10000) }, (error) => finish(error));
    break;
  }
  default:
    process.stderr.write(`unknown scenario ${args.scenario}\n`);
    process.exit(2);
}
