/** Writes deploy/grafana/soma-dashboard.json from the console's panels (`npm run grafana`); a unit test keeps it in step. */
import { buildGrafanaDashboard } from '#soma/platform';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const target = join(process.cwd(), 'deploy', 'grafana', 'soma-dashboard.json');
writeFileSync(target, `${JSON.stringify(buildGrafanaDashboard(), null, 2)}\n`);
console.log(`wrote ${target}`);
