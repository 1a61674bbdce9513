#!/usr/bin/env bash
# Installs what the end-to-end tests run against, when it is missing: the
# Debian packages of the real peers. Safe to run again; installs nothing
# that is already there. npm packages come from `npm ci`.
set -euo pipefail

SUDO=""
[ "$(id -u)" != 0 ] && SUDO=sudo
need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v vmagent >/dev/null 2>&1 || need+=(victoria-metrics)
command -v aws >/dev/null 2>&1 || need+=(awscli)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v podman >/dev/null 2>&1 || need+=(podman buildah uidmap fuse-overlayfs slirp4netns catatonit)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
[ -d /usr/share/fonts/truetype/liberation ] || need+=(fonts-liberation)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "test-peers: missing ${need[*]}; install them with: apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "test-peers: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The Debian packages start services on install where an init system runs;
# tests start their own instances on free ports, so stop any that started.
for svc in prometheus victoria-metrics; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
  fi
done
# AWS test peers (test/kit/sigv4-verifier.py): python3 with moto 5, boto3, botocore (not packaged in Debian 12).
if ! python3 -c 'import moto, boto3, botocore, flask, werkzeug, cryptography' >/dev/null 2>&1; then
  echo "test-peers: python3 with moto 5 is missing; install it with: apt-get install python3 python3-pip && pip install 'moto[server]>=5' boto3" >&2
  exit 1
fi
# deploy/aws templates are linted by test/deploy-aws.test.ts (cfn-lint is not packaged in Debian 12).
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "test-peers: cfn-lint is missing; install it with: pip install cfn-lint" >&2
  exit 1
fi
echo "test-peers: ready" >&2
