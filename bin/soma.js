#!/usr/bin/env node
// The `soma` CLI; run `npm run build` first (it imports the compiled code in dist/).
import '../dist/apps/cli/src/main.js';
