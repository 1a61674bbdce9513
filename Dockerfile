# Tributary container image.
#
#   docker build -t tributary .
#   docker run -e AWS_PROMETHEUS_ENDPOINT=... -e AWS_REGION=... -p 4317:4317 -p 4318:4318 tributary
#
# NODE_IMAGE is the base of both stages: a Node.js 24 LTS image on Debian with
# npm (the official node:24-bookworm-slim, or a mirror of it).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: nothing the build needs runs install scripts, and none should run here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY deploy/container/config.yaml deploy/container/putmetricdata.yaml /etc/tributary/
COPY deploy/container/tokens.yaml /etc/tributary/push/
# A numeric, non-root user (Kubernetes' runAsNonRoot checks the number).
# /var/lib/tributary is for file_storage queues; mount a volume there to keep them.
RUN groupadd --gid 10001 tributary \
 && useradd --no-log-init --no-create-home --uid 10001 --gid 10001 --home-dir /var/lib/tributary --shell /usr/sbin/nologin tributary \
 && mkdir -p /var/lib/tributary \
 && chown 10001:10001 /var/lib/tributary
USER 10001:10001

# OTLP gRPC, OTLP HTTP, self-metrics, health_check; then the push receivers:
# Influx line protocol, CloudWatch PutMetricData, Prometheus remote write.
EXPOSE 4317 4318 8888 13133 8086 4320 19291

# Slim images have no curl: ask the health_check extension with Node's fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:13133/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["node", "--max-semi-space-size=64", "--heap-growing-percent=100", "/app/dist/cli.js"]
CMD ["--config", "/etc/tributary/config.yaml"]
