# shellcheck shell=bash
# Apache Kafka, single-node KRaft (broker+controller) from Maven Central jars, run with plain java.

KAFKA_CACHE_HOME="$SOMA_CACHE_DIR/kafka/$KAFKA_VERSION"
KAFKA_LIB="$KAFKA_CACHE_HOME/lib"
KAFKA_STAMP="kafka_${KAFKA_SCALA_VERSION}:${KAFKA_VERSION} slf4j-reload4j:${SLF4J_RELOAD4J_VERSION} reload4j:${RELOAD4J_VERSION}"
KAFKA_MARKER=kafka.Kafka
# Small JVM for the one-shot StorageTool invocations.
KAFKA_TOOL_JVM=(-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1)

kafka_jars_cached() {
  [[ -f $KAFKA_CACHE_HOME/.stamp && $(cat "$KAFKA_CACHE_HOME/.stamp") == "$KAFKA_STAMP" ]] &&
    compgen -G "$KAFKA_LIB/kafka_${KAFKA_SCALA_VERSION}-${KAFKA_VERSION}.jar" >/dev/null
}

kafka_jars() {
  local log tmp
  log=$(log_file kafka-jars)
  step_begin kafka-jars "$log"
  if kafka_jars_cached; then
    step_done "cached $KAFKA_LIB"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (Maven is needed once to fetch the Kafka jars)"
  mkdir -p -- "$KAFKA_CACHE_HOME"
  tmp=$(mktemp -d "$KAFKA_CACHE_HOME/.fetch.XXXXXX")
  tmp_register "$tmp"
  # Run from a scratch copy of the pom so nothing is written under scripts/infra.
  cp -- "$INFRA_DIR/kafka/pom.xml" "$tmp/pom.xml"
  log_banner kafka-jars "mvn dependency:copy-dependencies ($KAFKA_STAMP)"
  (cd "$tmp" && mvn -q -B dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp/lib" \
    -Dkafka.version="$KAFKA_VERSION" -Dscala.binary.version="$KAFKA_SCALA_VERSION" \
    -Dslf4j.reload4j.version="$SLF4J_RELOAD4J_VERSION" -Dreload4j.version="$RELOAD4J_VERSION" \
    -Ddependency.plugin.version="$MAVEN_DEPENDENCY_PLUGIN_VERSION") >>"$log" 2>&1 9>&-
  [[ -f $tmp/lib/kafka_${KAFKA_SCALA_VERSION}-${KAFKA_VERSION}.jar ]] || die "maven did not produce kafka_${KAFKA_SCALA_VERSION}-${KAFKA_VERSION}.jar"
  rm -rf -- "$KAFKA_LIB"
  mv -- "$tmp/lib" "$KAFKA_LIB"
  printf '%s\n' "$KAFKA_STAMP" >"$KAFKA_CACHE_HOME/.stamp"
  step_done "fetched $(find "$KAFKA_LIB" -name '*.jar' | wc -l) jars into $KAFKA_LIB"
}

# render <template> <output> <NAME=value...>: replace @NAME@ placeholders.
render() {
  local tmpl=$1 out=$2 kv content
  shift 2
  content=$(cat "$tmpl")
  for kv in "$@"; do
    content=${content//"@${kv%%=*}@"/"${kv#*=}"}
  done
  printf '%s\n' "$content" >"$out.tmp"
  mv -- "$out.tmp" "$out"
}

# Metadata v4 request (no topics) over bash /dev/tcp; ready when the answer lists >= 1 live broker.
# Request: size=19 | api_key=3 api_version=4 correlation_id=1 client_id="soma" | topics=[] allow_auto_create=0
# Response prefix: size(4) correlation_id(4) throttle_time_ms(4) brokers.length(4)
kafka_metadata_ok() {
  local out
  # shellcheck disable=SC2016 # $1 belongs to the inner shell
  out=$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x00\x00\x00\x13\x00\x03\x00\x04\x00\x00\x00\x01\x00\x04soma\x00\x00\x00\x00\x00" >&3
    head -c 16 <&3 | od -An -v -tx1' _ "$SOMA_KAFKA_PORT" 2>/dev/null) || return 1
  out=${out//[[:space:]]/}
  [[ ${#out} -eq 32 && ${out:8:8} == 00000001 ]] && ((16#${out:24:8} > 0))
}

kafka_up() {
  local log data props log4j cid pid note
  log=$(log_file kafka)
  data=$(data_dir kafka)
  props="$data/server.properties"
  log4j="$data/log4j.properties"
  step_begin kafka "$log"
  kafka_jars_cached || die "kafka jars missing in $KAFKA_LIB"
  clean_stale_pid kafka "$KAFKA_MARKER"
  if pid=$(running_pid kafka "$KAFKA_MARKER"); then
    note="already running (pid $pid)"
  else
    ensure_port_free kafka "$SOMA_KAFKA_PORT" SOMA_KAFKA_PORT
    ensure_port_free kafka-controller "$SOMA_KAFKA_CONTROLLER_PORT" SOMA_KAFKA_CONTROLLER_PORT
    log_banner kafka "start"
    mkdir -p -- "$data/kraft"
    render "$INFRA_DIR/kafka/server.properties.tmpl" "$props" \
      "PORT=$SOMA_KAFKA_PORT" "CONTROLLER_PORT=$SOMA_KAFKA_CONTROLLER_PORT" "LOG_DIRS=$data/kraft"
    render "$INFRA_DIR/kafka/log4j.properties.tmpl" "$log4j" "LOG_FILE=$log"
    # Cluster id: generated once, kept in the state dir.
    if [[ ! -s $data/cluster.id ]]; then
      if [[ -f $data/kraft/meta.properties ]]; then
        sed -n 's/^cluster\.id=//p' "$data/kraft/meta.properties" >"$data/cluster.id"
      else
        java "${KAFKA_TOOL_JVM[@]}" -Dlog4j.configuration="file:$log4j" -cp "$KAFKA_LIB/*" \
          kafka.tools.StorageTool random-uuid 2>>"$log" 9>&- | tail -n 1 >"$data/cluster.id"
      fi
    fi
    cid=$(cat "$data/cluster.id")
    [[ $cid =~ ^[A-Za-z0-9_-]{22}$ ]] || die "bad kafka cluster id '$cid' in $data/cluster.id"
    if [[ ! -f $data/kraft/meta.properties ]]; then
      java "${KAFKA_TOOL_JVM[@]}" -Dlog4j.configuration="file:$log4j" -cp "$KAFKA_LIB/*" \
        kafka.tools.StorageTool format -t "$cid" -c "$props" --ignore-formatted >>"$log" 2>&1 9>&-
    fi
    # shellcheck disable=SC2086 # SOMA_KAFKA_HEAP_OPTS is a list of JVM flags
    pid=$(start_bg kafka java $SOMA_KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:ParallelGCThreads=1 -XX:ConcGCThreads=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$log4j" -cp "$KAFKA_LIB/*" kafka.Kafka "$props")
    note="started (pid $pid)"
  fi
  wait_for "kafka port 127.0.0.1:$SOMA_KAFKA_PORT" "${SOMA_READY_TIMEOUT:-120}" "$pid" port_open "$SOMA_KAFKA_PORT"
  wait_for "kafka metadata response listing a live broker" "${SOMA_READY_TIMEOUT:-120}" "$pid" kafka_metadata_ok
  step_done "$note, 127.0.0.1:$SOMA_KAFKA_PORT (controller $SOMA_KAFKA_CONTROLLER_PORT)"
}

kafka_down() {
  stop_component kafka "$KAFKA_MARKER" TERM "${SOMA_STOP_TIMEOUT:-45}"
}
