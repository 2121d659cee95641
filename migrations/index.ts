import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';

/** Every migration, in order. The schema changes only through these. */
export const migrations = [InitialSchema1764000000000];
