/** Writes docs/asyncapi.json from libs/contracts (`npm run asyncapi`); a unit test keeps it in step with the code. */
import { buildAsyncApiDocument } from '#soma/contracts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const target = join(process.cwd(), 'docs', 'asyncapi.json');
writeFileSync(target, `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`);
console.log(`wrote ${target}`);
