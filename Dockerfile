# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, ship only production ones, run as `node`.
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so source changes do not invalidate the npm ci layer.
COPY package.json package-lock.json .npmrc ./
# The SDK is an npm workspace: npm ci needs its manifest.
COPY sdk/package.json ./sdk/
RUN npm ci --no-audit --no-fund
COPY . .
# `npm run build` compiles the service (and the dashboard, when the build script includes it).
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# DATA_DIR is only used without DATABASE_URL (embedded PostgreSQL, which refuses to run as root anyway).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
# Node has fetch built in: no curl in the image. /health is 503 while PostgreSQL is unreachable.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# main.ts drains requests, flushes buffers and exits 0 within 10 s of SIGTERM.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
