# Watchfloor: API + pipeline. The embedded ClickHouse engine (chdb) needs glibc: use a Debian base.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY contracts/package.json contracts/
COPY pipeline/package.json pipeline/
COPY api/package.json api/
COPY cli/package.json cli/
COPY grafana/plugins/watchfloor-app/package.json grafana/plugins/watchfloor-app/
COPY cli/bin cli/bin
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# the TypeScript workspaces, then the triage UI served at / (and the Grafana plugin's dist/)
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/var/lib/watchfloor
COPY --from=build /app /app
RUN mkdir -p /var/lib/watchfloor && chown node:node /var/lib/watchfloor
USER node
EXPOSE 8080
VOLUME ["/var/lib/watchfloor"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s CMD node -e "fetch('http://127.0.0.1:8080/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "cli/bin/watchfloor.js", "start"]
