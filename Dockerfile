# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, ship only production ones, run as `node`.
# Proven without a Docker engine by `npm run test:deploy` (test/deploy/container.deploy-spec.ts), which
# replays these steps from a fresh clone; keep to COPY, RUN (build stage only), ENV, WORKDIR, USER, CMD.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so source changes do not invalidate the npm ci layer.
COPY package.json package-lock.json ./
# The SDK is an npm workspace: npm ci needs its manifest, the build its sources (sdk/src/bucketing is
# compiled into the service).
COPY sdk/package.json ./sdk/
RUN npm ci --no-audit --no-fund
# Only what `npm run build` compiles: no bench/, scripts/ or test/ (also kept out by .dockerignore).
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY sdk ./sdk
COPY dashboard ./dashboard
# The service (dist/src, dist/migrations, dist/sdk), the SDK package and the dashboard (dist/dashboard);
# then production dependencies only. The service never loads the SDK package: its workspace link goes.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@experimentation

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# DATA_DIR is only used without DATABASE_URL (embedded PostgreSQL); the node user's home is writable.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/home/node/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# Node has fetch built in: no curl in the image. /health is 503 while PostgreSQL is unreachable.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# main.ts drains requests, flushes buffers and exits 0 within 10 s of SIGTERM.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
