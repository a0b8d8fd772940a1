// Regenerates targets/target.schema.json from the zod schema in src/config/target.ts (npm run targets:schema).
// A test fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { targetJsonSchema, builtinTargetsDir } from '../src/config/target.js';
import { join } from 'node:path';

const path = join(builtinTargetsDir(), 'target.schema.json');
writeFileSync(path, JSON.stringify(targetJsonSchema(), null, 2) + '\n');
console.log(`wrote ${path}`);
