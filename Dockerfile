# syntax=docker/dockerfile:1
# One image for every Pushwire service, built from the production bundles (`npm run build`, dist/).
# The command picks the service (docker-compose.yml does):
#   node --max-semi-space-size=1 dist/push-edge.js    the edge, with its node flags (EDGE_NODE_FLAGS)
#   node dist/registry.js | dist/message-processor.js | dist/device-list.js
#   node --max-semi-space-size=1 dist/all-in-one.js   (default: `npm start` in one process; binds
#                                                      127.0.0.1 unless PUSHWIRE_HOST=0.0.0.0)
#   pushctl <command>                                 (dist/pushctl.js on the PATH)
# docs/deploy.md has the ports, health checks and drain settings.
#
# Base image: Node 20 on Debian 12. Node 20 reached end of life in April 2026, and we say so plainly:
# the edge's uWebSockets.js build (@trufflesuite/uws-js-unofficial 20.30.0) ships native binaries for
# Node 16, 18 and 20 only (ABI 93/108/115; Node 22 is ABI 127), so the edge cannot load on Node 22 or
# 24, and the npm builds that can need glibc 2.38+ (README, "Supported Node.js versions"). Moving to
# a supported LTS means a new uWS build and a trixie base, tested; NODE_IMAGE exists for that move.
# Built and run nowhere in our CI (no Docker engine there); `docker-compose config` checks the compose file.
ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only, from the manifest and lock alone: this layer is rebuilt only when
# they change, not on every source change. The workspace folders are not here, so npm links none.
FROM ${NODE_IMAGE} AS deps
WORKDIR /pushwire
COPY package.json package-lock.json ./
# uWebSockets.js ships a binary per OS, CPU and Node ABI (~110 MB): only the one this base loads stays.
COPY tools/scripts/prune-uws-binaries.js /tmp/
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force \
  && node /tmp/prune-uws-binaries.js node_modules

# Everything, dev dependencies included, to bundle the services with esbuild.
FROM ${NODE_IMAGE} AS build
WORKDIR /pushwire
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json nx.json ./
COPY libs libs
COPY apps apps
COPY tools tools
RUN npm run build

# Only the bundles and the production node_modules, owned by root and run as the unprivileged
# `node` user of the base image: the process cannot rewrite its own code.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /pushwire
COPY package.json LICENSE ./
COPY --from=deps /pushwire/node_modules node_modules
COPY --from=build /pushwire/dist dist
RUN ln -s /pushwire/dist/pushctl.js /usr/local/bin/pushctl
USER node
# 8080 devices; 8081 the edge's internal port (deliver, notify, metrics, health); 8082 registry;
# 8083 message processor; 8084 device list. Publish only 8080 beyond the cluster network.
EXPOSE 8080 8081 8082 8083 8084
# GET /healthz on this container's service: PUSHWIRE_HEALTHCHECK_URL (docker-compose.yml sets it per
# service); by default the edge's internal port, where the edge and the all-in-one answer it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.PUSHWIRE_HEALTHCHECK_URL||'http://127.0.0.1:8081/healthz',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
CMD ["node", "--max-semi-space-size=1", "dist/all-in-one.js"]
