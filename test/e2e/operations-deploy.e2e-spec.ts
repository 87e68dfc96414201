import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetricsService } from '../../src/metrics/metrics.service';

/**
 * The container and monitoring files cannot be run here (no Docker daemon), so they are checked
 * for what would break them silently: YAML that does not parse, a mount of a file that does not
 * exist, a dashboard query naming a series the service does not export.
 */
// js-yaml comes with @nestjs/swagger; no types are installed for it.
const yaml = require('js-yaml') as { load(text: string): unknown };

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  profiles?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  stop_grace_period?: string;
}

describe('Deployment files', () => {
  describe('docker-compose.yml', () => {
    const compose = yaml.load(read('docker-compose.yml')) as { services: Record<string, ComposeService> };

    it('should run PostgreSQL 16 with a health check and start the service only once it is healthy', () => {
      const { postgres, app } = compose.services;
      expect(postgres.image).toMatch(/^postgres:16/);
      expect(postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
      expect(app.build).toBe('.');
      expect(app.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      expect(app.environment?.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(app.environment?.NODE_ENV).toBe('production');
      // Required from the environment: no default anyone could read here (issue 13 item 6).
      expect(app.environment?.ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN:\?[^}]+\}$/);
      expect(app.environment?.CLIENT_TOKENS).toMatch(/^\$\{CLIENT_TOKENS:\?[^}]+\}$/);
      expect(compose.services.grafana.environment?.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/);
      // No value in the file may carry a default for a secret.
      expect(read('docker-compose.yml')).not.toMatch(/\$\{(ADMIN_TOKEN|CLIENT_TOKENS|GRAFANA_ADMIN_PASSWORD):-/);
      expect(app.profiles).toBeUndefined();
      expect(Number.parseInt(app.stop_grace_period ?? '0', 10)).toBeGreaterThan(10);
    });

    it('should start Prometheus and Grafana only in the monitoring profile, with files that exist', () => {
      const { prometheus, grafana } = compose.services;
      expect(prometheus.profiles).toEqual(['monitoring']);
      expect(grafana.profiles).toEqual(['monitoring']);
      for (const service of [prometheus, grafana]) {
        for (const volume of service.volumes ?? []) {
          const source = volume.split(':')[0];
          if (source.startsWith('./')) expect({ volume, exists: fs.existsSync(path.join(ROOT, source)) }).toEqual({ volume, exists: true });
        }
      }
      expect(grafana.volumes).toContain('./deploy/grafana/experimentation.json:/var/lib/grafana/dashboards/experimentation.json:ro');
    });

    it('should let Prometheus scrape the service and Grafana find both', () => {
      const prometheus = yaml.load(read('deploy/prometheus/prometheus.yml')) as {
        scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
      };
      expect(prometheus.scrape_configs[0]).toMatchObject({ job_name: 'experimentation', metrics_path: '/metrics' });
      expect(prometheus.scrape_configs[0].static_configs[0].targets).toEqual(['app:3000']);

      const datasources = yaml.load(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
        datasources: { uid: string; url: string }[];
      };
      expect(datasources.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
      const providers = yaml.load(read('deploy/grafana/provisioning/dashboards/experimentation.yml')) as {
        providers: { options: { path: string } }[];
      };
      expect(providers.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
    });
  });

  describe('Dockerfile', () => {
    const dockerfile = read('Dockerfile');

    it('should compile in a build stage and run only production dependencies as a non-root user', () => {
      expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
      expect(dockerfile).toMatch(/RUN npm ci\b/);
      expect(dockerfile).toMatch(/npm run build/);
      expect(dockerfile).toMatch(/npm prune --omit=dev/);
      expect(dockerfile).toMatch(/^USER node$/m);
      expect(dockerfile).toMatch(/NODE_ENV=production/);
      expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/health/m);
      expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/main\.js"\]$/m);
    });

    it('should keep local state and secrets out of the build context', () => {
      const ignored = read('.dockerignore').split('\n');
      for (const entry of ['node_modules', 'dist', '.data', '.env', '.git']) expect(ignored).toContain(entry);
    });
  });

  describe('deploy/grafana/experimentation.json', () => {
    const dashboard = JSON.parse(read('deploy/grafana/experimentation.json')) as {
      uid: string;
      panels: { type: string; title: string; targets?: { expr: string; datasource: { uid: string } }[] }[];
    };
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, ...target })));

    it('should have the panels the issue asks for', () => {
      const titles = dashboard.panels.map((panel) => panel.title);
      for (const wanted of [
        /^Active experiments$/,
        /^Assignment rate by variant$/,
        /^Conversion rate by variant/,
        /^p-value trend/,
        /^Sample size progress$/,
        /^Rollout percentage over time$/,
        /^Rollbacks/,
      ]) {
        expect({ wanted: String(wanted), found: titles.some((title) => wanted.test(title)) }).toEqual({
          wanted: String(wanted),
          found: true,
        });
      }
    });

    it('should only query series this service exports, through the provisioned data source', async () => {
      const metrics = new MetricsService();
      const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name));
      expect(queries.length).toBeGreaterThan(15);
      for (const query of queries) {
        expect(query.datasource.uid).toBe('prometheus');
        for (const [name] of query.expr.matchAll(/\b(?:experimentation|process|nodejs)_[a-z0-9_]+/g)) {
          const base = name.replace(/_(bucket|count|sum)$/, '');
          expect({ panel: query.panel, series: name, exported: exported.has(base) || exported.has(name) }).toEqual({
            panel: query.panel,
            series: name,
            exported: true,
          });
        }
      }
    });
  });
});
