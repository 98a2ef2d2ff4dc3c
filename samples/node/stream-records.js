#!/usr/bin/env node
// Streams a file of intake records to CpxTeleservice over gRPC with mutual TLS (@grpc/grpc-js).
//
// The file holds one record per line, in the protobuf JSON mapping of protos/cpx/intake/v1/intake.proto
// (a ProfessionalRegistration, an AdeliRegistration or a VisaDecision, according to --service). Every
// ack is printed as one JSON line on stdout, in order; a summary goes to stderr. Acks come only once a
// record's effect is committed: after an interruption, resend from the first record without an ack
// (--from N); what was already applied comes back DUPLICATE, with no second effect.
//
//   (cd samples/node && npm ci)
//   node samples/node/stream-records.js --target 127.0.0.1:8443 --ca .data/pki/trust/root.pem \
//        --cert .data/pki/organisations/ordre.crt --key .data/pki/organisations/ordre.key \
//        --service ordre samples/registrations.jsonl
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { once } = require('events');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const SERVICES = {
  ordre: ['OrdreIntake', 'StreamRegistrations'],
  'ars-adeli': ['ArsIntake', 'StreamAdeliRegistrations'],
  'ars-visa': ['ArsIntake', 'StreamVisaDecisions'],
};
// The JSON mapping writes a Timestamp as an RFC 3339 string; proto-loader wants seconds and nanos.
const TIMESTAMPS = ['transmittedAt', 'decidedAt'];

function parseArgs(argv) {
  const args = { target: '127.0.0.1:8443', service: 'ordre', from: 1, timeout: 600, protos: path.join(__dirname, '..', '..', 'protos') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) args[a.slice(2)] = argv[++i];
    else args.file = a;
  }
  if (!args.file || !args.ca || !SERVICES[args.service]) {
    console.error('usage: stream-records.js --ca ROOT.pem [--cert ORG.crt --key ORG.key] [--target HOST:PORT] [--service ordre|ars-adeli|ars-visa] [--from N] FILE');
    process.exit(2);
  }
  return args;
}

function toMessage(record) {
  for (const field of TIMESTAMPS) {
    if (typeof record[field] === 'string') {
      const ms = Date.parse(record[field]);
      record[field] = { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
    }
  }
  return record;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const definition = protoLoader.loadSync('cpx/intake/v1/intake.proto', {
    includeDirs: [args.protos], keepCase: false, longs: String, enums: String, defaults: true,
  });
  const intake = grpc.loadPackageDefinition(definition).cpx.intake.v1;
  const credentials = grpc.credentials.createSsl(
    fs.readFileSync(args.ca),
    args.key ? fs.readFileSync(args.key) : null,
    args.cert ? fs.readFileSync(args.cert) : null);
  const [service, method] = SERVICES[args.service];
  const client = new intake[service](args.target, credentials);
  const call = client[method]({ deadline: Date.now() + Number(args.timeout) * 1000 });

  const counts = {};
  const done = new Promise((resolve) => {
    call.on('data', (ack) => {
      counts[ack.outcome] = (counts[ack.outcome] || 0) + 1;
      process.stdout.write(JSON.stringify(ack) + '\n');
    });
    call.on('error', (error) => {
      console.error(JSON.stringify({ error: grpc.status[error.code], details: error.details }));
      resolve(1);
    });
    call.on('end', () => resolve(0));
  });

  const lines = readline.createInterface({ input: fs.createReadStream(args.file), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (number < Number(args.from) || !line.trim()) continue;
    if (!call.write(toMessage(JSON.parse(line)))) await once(call, 'drain');
  }
  call.end();
  const code = await done;
  console.error(JSON.stringify(counts));
  client.close();
  process.exit(code);
}

main().catch((error) => { console.error(error); process.exit(1); });
