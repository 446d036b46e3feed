# Starts Azurite's table service on 127.0.0.1 for the calling script; sourced, not run.
# Sets AZURITE_PORT, AZURITE_PID and AZURITE_CONNECTION_STRING, and stops Azurite when the caller exits.

azurite_start() {
  local root=$1 location=$2
  AZURITE_PORT=${AZURITE_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 10002)}
  mkdir -p "$location"
  "$root/.tools/azurite/node_modules/.bin/azurite-table" --tableHost 127.0.0.1 --tablePort "$AZURITE_PORT" \
    --location "$location" --skipApiVersionCheck --disableProductStyleUrl >"$location/azurite.log" 2>&1 &
  AZURITE_PID=$!
  trap 'kill "$AZURITE_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$AZURITE_PORT") 2>/dev/null; then
      AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$AZURITE_PORT/devstoreaccount1;"
      export AZURITE_PORT AZURITE_CONNECTION_STRING
      return 0
    fi
    sleep 0.1
  done
  echo "azurite did not start; its log:" >&2
  cat "$location/azurite.log" >&2
  return 1
}
