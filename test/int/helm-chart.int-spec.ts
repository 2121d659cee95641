import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../support/apps.js';

const run = promisify(execFile);
const chart = join(ROOT, 'deploy', 'helm', 'soma-agent');
const secrets = {
  'secrets.SOMA_PG_URL': 'postgres://soma:pw-in-a-secret@pg:5432/soma',
  'secrets.SOMA_ADMIN_API_KEY': 'k'.repeat(40),
  'secrets.SOMA_WEBHOOK_SECRET_KEY': 'webhook-secret-in-a-secret',
};
const sets = (values: Record<string, string>): string[] =>
  Object.entries(values).flatMap(([key, value]) => ['--set', `${key}=${value}`]);

interface Container {
  name: string;
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  startupProbe: { httpGet: { path: string } };
  securityContext: { procMount?: string; readOnlyRootFilesystem?: boolean };
  envFrom: ({ configMapRef: { name: string } } | { secretRef: { name: string } })[];
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    ports?: { name: string; port: number }[];
    scaleTargetRef?: { name: string };
    template?: { spec: { containers: Container[] } };
  };
}

describe('Helm chart (deploy/helm/soma-agent): lint, render, refuse what would be unsafe', () => {
  let helm = '';

  beforeAll(async () => {
    // Built once with go install and cached, like OPA (scripts/test-support/helm.sh).
    helm = (await run('bash', [join(ROOT, 'scripts', 'test-support', 'helm.sh')])).stdout.trim();
  }, 1_800_000);

  const template = async (values: Record<string, string>) =>
    run(helm, ['template', 'soma', chart, ...sets(values)]).then((out) =>
      parseAllDocuments(out.stdout)
        .map((doc) => doc.toJS() as Manifest | null)
        .filter((m): m is Manifest => m !== null),
    );

  it('passes helm lint', async () => {
    const out = await run(helm, ['lint', chart, '--strict', ...sets(secrets)]);
    expect(out.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('renders one Deployment per app with liveness and readiness probes, the gateway ready on its ops port', async () => {
    const manifests = await template(secrets);
    const deployments = manifests.filter((m) => m.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'soma-conversation-worker',
      'soma-gateway',
      'soma-requeue',
      'soma-tool-executor',
    ]);
    for (const deployment of deployments) {
      const [container] = deployment.spec?.template?.spec.containers ?? [];
      const name = deployment.metadata.name;
      expect(container?.livenessProbe.httpGet.path, name).toBe('/health/live');
      expect(container?.startupProbe.httpGet.path, name).toBe('/health/live');
      expect(container?.readinessProbe.httpGet.path, name).toBe('/health/ready');
      expect(container?.readinessProbe.httpGet.port, name).toBe(name === 'soma-gateway' ? 'ops' : 'http');
      expect(container?.envFrom, name).toEqual([
        { configMapRef: { name: 'soma-config' } },
        { secretRef: { name: 'soma-secrets' } },
      ]);
    }
    const gateway = deployments.find((d) => d.metadata.name === 'soma-gateway');
    expect(gateway?.spec?.template?.spec.containers[0]?.ports).toEqual([
      { name: 'http', containerPort: 3000 },
      { name: 'ops', containerPort: 4000 },
    ]);
    const executor = deployments.find((d) => d.metadata.name === 'soma-tool-executor');
    expect(executor?.spec?.template?.spec.containers[0]?.securityContext.procMount).toBe('Unmasked');
    // The worker's replicas belong to its autoscaler.
    const worker = deployments.find((d) => d.metadata.name === 'soma-conversation-worker');
    expect(worker?.spec?.replicas).toBeUndefined();
    const hpa = manifests.find((m) => m.kind === 'HorizontalPodAutoscaler');
    expect(hpa?.spec?.scaleTargetRef?.name).toBe('soma-conversation-worker');
    expect(manifests.filter((m) => m.kind === 'PodDisruptionBudget')).toHaveLength(4);

    const services = Object.fromEntries(
      manifests.filter((m) => m.kind === 'Service').map((s) => [s.metadata.name, s.spec?.ports]),
    );
    expect(services['soma-gateway']).toEqual([{ name: 'http', port: 3000, targetPort: 'http' }]);
    expect(services['soma-gateway-ops']).toEqual([{ name: 'ops', port: 4000, targetPort: 'ops' }]);
  });

  it('keeps every secret out of the ConfigMap', async () => {
    const manifests = await template(secrets);
    const config = manifests.find((m) => m.kind === 'ConfigMap');
    const secret = manifests.find((m) => m.kind === 'Secret');
    const configText = JSON.stringify(config?.data);
    for (const value of Object.values(secrets)) {
      expect(configText).not.toContain(value);
      expect(Object.values(secret?.stringData ?? {})).toContain(value);
    }
    expect(
      Object.keys(config?.data ?? {}).filter((key) => /SECRET|PASSWORD|TOKEN|API_KEY|PG_URL/.test(key)),
    ).toEqual([]);
    // With a Secret of your own, the chart renders none.
    const own = await template({ existingSecret: 'mine' });
    expect(own.filter((m) => m.kind === 'Secret')).toEqual([]);
  });

  it('refuses to render without secrets, with a short admin key, or with a secret put in config', async () => {
    const refusal = async (values: Record<string, string>): Promise<string> =>
      template(values).then(
        () => 'rendered',
        (error: unknown) => (error as { stderr: string }).stderr,
      );
    expect(await refusal({})).toContain('secrets.SOMA_ADMIN_API_KEY is required');
    expect(await refusal({ ...secrets, 'secrets.SOMA_ADMIN_API_KEY': 'short' })).toContain(
      'must be at least 32 characters',
    );
    expect(await refusal({ ...secrets, 'config.SOMA_PG_URL': 'postgres://u:p@h/db' })).toContain(
      'config.SOMA_PG_URL looks like a secret',
    );
  });
});
