#!/usr/bin/env bash
# Starts the local PostgreSQL and Redis when they do not answer (CI and the project's machines).
# Tests fall back to an embedded PostgreSQL when none answers, so this is a speed-up, not a must.
set -u
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi
if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
  fi
fi
pg_isready -h 127.0.0.1 -p 5432 2>/dev/null || echo "no PostgreSQL on 127.0.0.1:5432: tests will start an embedded one"
redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null || echo "no Redis on 127.0.0.1:6379: the job tests will try redis-server, then stop"
exit 0
