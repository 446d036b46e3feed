# Starts and stops Azurite's table service on 127.0.0.1 for the calling script; sourced, not run.
# azurite_start ROOT LOCATION sets AZURITE_PORT (default: a free port), AZURITE_PID and AZURITE_CONNECTION_STRING.
# azurite_stop saves Azurite's data and stops it; the caller runs it on exit (trap azurite_stop EXIT).

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

azurite_start() {
  local root=$1 location=$2
  AZURITE_PORT=${AZURITE_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 10002)}
  if port_in_use "$AZURITE_PORT"; then
    echo "azurite: port $AZURITE_PORT on 127.0.0.1 is in use (another scripts/run, or an Azurite of your own): stop it, or set AZURITE_PORT to a free port." >&2
    return 1
  fi

  mkdir -p "$location"
  AZURITE_LOG="$location/azurite.log"
  "$root/.tools/azurite/node_modules/.bin/azurite-table" --tableHost 127.0.0.1 --tablePort "$AZURITE_PORT" \
    --location "$location" --skipApiVersionCheck --disableProductStyleUrl >"$AZURITE_LOG" 2>&1 &
  AZURITE_PID=$!
  for _ in $(seq 1 100); do
    if port_in_use "$AZURITE_PORT"; then
      AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$AZURITE_PORT/devstoreaccount1;"
      export AZURITE_PORT AZURITE_CONNECTION_STRING
      return 0
    fi
    sleep 0.1
  done
  echo "azurite did not start; its log:" >&2
  cat "$AZURITE_LOG" >&2
  return 1
}

# Azurite 3.37 saves its data only on SIGINT; any other signal loses the writes since its last save (every 5 s).
# After saving it may stay alive for a while, so it is killed once its log says it closed.
azurite_stop() {
  [[ -n "${AZURITE_PID:-}" ]] || return 0
  kill -INT "$AZURITE_PID" 2>/dev/null || return 0
  for _ in $(seq 1 200); do
    kill -0 "$AZURITE_PID" 2>/dev/null || return 0
    grep -q "successfully closed" "$AZURITE_LOG" 2>/dev/null && break
    sleep 0.1
  done
  kill -KILL "$AZURITE_PID" 2>/dev/null || true
}
