#!/usr/bin/env bash
# What `npm test` needs beside node_modules: nginx (proxy tests), curl, openssl, python3 (the RFC 4518
# reference) with pyca/cryptography (the DER reference), redis-server and redis-cli (clusters the
# tests start), and a Redis on 127.0.0.1:6379.
# Run as root on a machine with apt-get, it installs what is missing (Debian's packages) and starts
# Redis; otherwise it says in one line what to install and exits 1. `npm test` runs it first
# (pretest), and so does .ci/run. TEST_PREREQUISITES_INSTALL=0 never installs anything.
set -uo pipefail

missing_commands=()
missing_packages=()
need() { # need COMMAND PACKAGE [PATH]
  if [ -n "${3:-}" ]; then [ -x "$3" ] && return; elif command -v "$1" >/dev/null 2>&1; then return; fi
  missing_commands+=("$1")
  missing_packages+=("$2")
}

nginx_default=/usr/sbin/nginx
if [ -n "${NGINX_BINARY:-}" ] && [ "$NGINX_BINARY" != "$nginx_default" ] && [ ! -x "$NGINX_BINARY" ]; then
  echo "npm test: NGINX_BINARY=$NGINX_BINARY is not an executable nginx: point it at one, or unset it to use $nginx_default (apt-get install -y nginx)" >&2
  exit 1
fi
need nginx nginx "${NGINX_BINARY:-$nginx_default}"
need curl curl
need openssl openssl
need python3 python3
need redis-server redis-server
need redis-cli redis-tools
# pyca/cryptography: the independent DER parser of test/certificate/der.reference.test.ts.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import cryptography' >/dev/null 2>&1; then
  missing_commands+=("python3's cryptography module")
  missing_packages+=(python3-cryptography)
fi

if [ ${#missing_packages[@]} -gt 0 ]; then
  if [ "${TEST_PREREQUISITES_INSTALL:-1}" != 0 ] && [ "$EUID" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "npm test: installing ${missing_packages[*]} (Debian packages)" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq "${missing_packages[@]}" >/dev/null; }; then
      echo "npm test: could not install ${missing_packages[*]}: apt-get install -y ${missing_packages[*]}" >&2
      exit 1
    fi
    # Debian's nginx package starts a server on port 80; the tests start their own.
    if [ -f /run/nginx.pid ]; then nginx -s quit 2>/dev/null || true; fi
  else
    echo "npm test needs ${missing_commands[*]}: apt-get install -y ${missing_packages[*]}" >&2
    exit 1
  fi
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if [ "${TEST_PREREQUISITES_INSTALL:-1}" != 0 ] && [ "$EUID" -eq 0 ]; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "npm test needs Redis on 127.0.0.1:6379: redis-server --daemonize yes --bind 127.0.0.1 --port 6379" >&2
    exit 1
  fi
fi
exit 0
