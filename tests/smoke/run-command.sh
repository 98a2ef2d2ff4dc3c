#!/usr/bin/env bash
# Runs the README's run command (`./dev up`, detached) in a fresh data folder and checks, with curl
# over HTTP/2, what the README promises: the legal representative's card is served /api/v1/me, the
# nurse's signature certificate gets the 401 problem of a non-authentication certificate, and the
# gRPC example (health check, an intake stream as the demo Ordre) works with python3-grpcio, the
# demo mandataire's form 502 is served as a PDF; then the published binary runs from another working
# directory with the README's settings only.
# Writes TAP lines to $CPX_DATA_DIR/smoke.tap; exits non-zero on any failure.
set -uo pipefail
ROOT=${1:?repository root}
DATA=${CPX_DATA_DIR:?}
mkdir -p "$DATA"
TAP=$DATA/smoke.tap; : >"$TAP"
fail=0
trap '"$ROOT/dev" down >/dev/null 2>&1' EXIT
ok() { echo "ok $*" | tee -a "$TAP"; }
notok() { echo "not ok $*" | tee -a "$TAP"; fail=1; }

if ! "$ROOT/dev" up --detach >"$DATA/up.log" 2>&1; then
  cat "$DATA/up.log" >&2
  notok "1 run command starts the service"
  exit 1
fi
ok "1 run command starts the service"

P=$DATA/pki; URL="https://127.0.0.1:$CPX_HTTPS_PORT/api/v1/me"
body=$(curl -sS --http2 --cacert "$P/trust/root.pem" --cert "$P/cards/legal-representative-auth.crt" --key "$P/cards/legal-representative-auth.key" \
  -w '\n%{http_code} %{http_version}' "$URL" 2>&1)
if [[ "$(tail -1 <<<"$body")" == "200 2" ]] && grep -q '"idNat":"3750812349/RL0001"' <<<"$body" && grep -q '"role":"legal-representative"' <<<"$body"; then
  ok "2 legal representative gets /api/v1/me over HTTP/2"
else
  echo "$body" >&2; notok "2 legal representative gets /api/v1/me over HTTP/2"
fi

body=$(curl -sS --http2 --cacert "$P/trust/root.pem" --cert "$P/cards/nurse-sign.crt" --key "$P/cards/nurse-sign.key" \
  -w '\n%{http_code} %{content_type}' "$URL" 2>&1)
if [[ "$(tail -1 <<<"$body")" == "401 application/problem+json"* ]] && grep -q '"type":"/problems/certificate-not-for-authentication"' <<<"$body"; then
  ok "3 nurse signature certificate is refused as not for authentication"
else
  echo "$body" >&2; notok "3 nurse signature certificate is refused as not for authentication"
fi

# The README's gRPC examples: a health check, and the sample client streaming the sample registrations as the demo Ordre.
body=$(/usr/bin/python3 "$ROOT/tests/interop/python/intake_client.py" --target "127.0.0.1:$CPX_HTTPS_PORT" --protos "$ROOT/protos" \
  --ca "$P/trust/root.pem" --cert "$P/organisations/ordre.crt" --key "$P/organisations/ordre.key" --scenario health 2>&1)
if grep -q '"status": "SERVING"' <<<"$body"; then
  ok "4 gRPC health check with the demo Ordre certificate is SERVING"
else
  echo "$body" >&2; notok "4 gRPC health check with the demo Ordre certificate is SERVING"
fi
acks=$(/usr/bin/python3 "$ROOT/samples/python/stream_records.py" --target "127.0.0.1:$CPX_HTTPS_PORT" --ca "$P/trust/root.pem" \
  --cert "$P/organisations/ordre.crt" --key "$P/organisations/ordre.key" --service ordre "$ROOT/samples/registrations.jsonl" 2>&1)
if [ "$(grep -c '"outcome": "ACCEPTED"' <<<"$acks")" = 3 ]; then
  ok "5 sample Python client streams the sample registrations to the demo Ordre"
else
  echo "$acks" >&2; notok "5 sample Python client streams the sample registrations to the demo Ordre"
fi

# The README's forms example: F502 of the demo mandataire, a PDF whose text names them.
FORM=$DATA/F502.pdf
code=$(curl -sS --cacert "$P/trust/root.pem" --cert "$P/cards/legal-representative-auth.crt" --key "$P/cards/legal-representative-auth.key" \
  -o "$FORM" -w '%{http_code} %{content_type}' \
  "https://127.0.0.1:$CPX_HTTPS_PORT/api/v1/structures/00000000-0000-4000-8000-000000000001/mandataires/3750812349%2FEMP0042/form" 2>&1)
if [ "$code" = "200 application/pdf" ] && pdftotext -layout "$FORM" - 2>/dev/null | grep -q "Désignation d'un mandataire" \
   && pdftotext -layout "$FORM" - | grep -q "MARTIN"; then
  ok "6 the demo mandataire's form 502 is a PDF that names them"
else
  echo "$code" >&2; notok "6 the demo mandataire's form 502 is a PDF that names them"
fi

# README's "Running the published binary": publish, then start the published folder from another
# working directory with README's settings only (a clean environment), on the same PostgreSQL.
if [ -f "$DATA/api.pid" ]; then kill "$(cat "$DATA/api.pid")" 2>/dev/null; rm -f "$DATA/api.pid"; sleep 1; fi
PUB=$DATA/publish; ELSEWHERE=$(mktemp -d)
if dotnet publish "$ROOT/api/CpxTeleservice.Api.csproj" -c Release -o "$PUB" -nologo -v:q >"$DATA/publish.log" 2>&1; then
  (cd "$ELSEWHERE" && exec env -i PATH="$PATH" HOME="$HOME" ${DOTNET_ROOT:+DOTNET_ROOT="$DOTNET_ROOT"} \
    ConnectionStrings__Postgres="Host=127.0.0.1;Port=$CPX_PG_PORT;Username=cpx_app;Database=cpx" \
     ConnectionStrings__PostgresOwner="Host=127.0.0.1;Port=$CPX_PG_PORT;Username=cpx_owner;Database=cpx" \
    Urls="https://127.0.0.1:$CPX_HTTPS_PORT" \
    Tls__Certificate="$P/server/server.crt" Tls__Key="$P/server/server.key" \
    Trust__CardAnchors="$P/trust/cards-anchors.pem" \
    Operators__0__IdNat="513000578000015/OPS0001" Operators__0__CardSerial="9000000001" \
    DataProtection__KeysPath="$DATA/keys" \
    dotnet "$PUB/CpxTeleservice.Api.dll" >"$DATA/published.log" 2>&1) &
  published=$!
  for _ in $(seq 1 60); do curl -fs --cacert "$P/trust/root.pem" "https://127.0.0.1:$CPX_HTTPS_PORT/health/ready" >/dev/null 2>&1 && break; sleep 1; done
  me=$(curl -sS --http2 --cacert "$P/trust/root.pem" --cert "$P/cards/legal-representative-auth.crt" --key "$P/cards/legal-representative-auth.key" \
    -w '\n%{http_code}' "$URL" 2>&1)
  page=$(curl -sS --cacert "$P/trust/root.pem" "https://127.0.0.1:$CPX_HTTPS_PORT/problems/card-in-opposition" 2>&1)
  refused=$(curl -sS --cacert "$P/trust/root.pem" "$URL" 2>&1)
  if [[ "$(tail -1 <<<"$me")" == "200" ]] && grep -q '"role":"legal-representative"' <<<"$me" \
     && grep -q 'La carte est en opposition' <<<"$page" && grep -q '"title":"Un certificat client est requis"' <<<"$refused" \
     && grep -q '"Now listening on' "$DATA/published.log" && ! grep -q '"eventName":"Request"' "$DATA/published.log" && [ -f "$PUB/appsettings.json" ] && [ -d "$PUB/migrations" ]; then
    ok "7 the published binary runs from another working directory with README's settings only"
  else
    echo "$me" "$page" "$refused" >&2; tail -20 "$DATA/published.log" >&2
    notok "7 the published binary runs from another working directory with README's settings only"
  fi
  kill "$published" 2>/dev/null; wait "$published" 2>/dev/null
else
  tail -20 "$DATA/publish.log" >&2; notok "7 the published binary runs from another working directory with README's settings only"
fi
rm -rf "$ELSEWHERE"

# Running it again is safe: PKI kept, migrations and demo data not doubled.
"$ROOT/dev" down >/dev/null 2>&1
if "$ROOT/dev" up --detach >"$DATA/up2.log" 2>&1 && grep -q "kept" "$DATA/up2.log"; then
  ok "8 run command can be run again"
else
  cat "$DATA/up2.log" >&2; notok "8 run command can be run again"
fi
"$ROOT/dev" down >/dev/null 2>&1
exit $fail
