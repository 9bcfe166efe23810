/**
 * Writes the OpenAPI document the service serves, made from the code with the default
 * configuration, to the file named by the first argument (stdout without one). The document
 * linters (`npm run lint:openapi`) read it from there, so the check needs no running server and no
 * network.
 */
import { writeFileSync } from 'node:fs';
import { createOpenApiDocument } from '../src/api/openapi.js';
import { createAppRouter } from '../src/api/routers/_app.js';
import { defaultConfig } from '../src/server/env.js';
import { serviceVersion } from '../src/server/version.js';

const config = defaultConfig();
const document = createOpenApiDocument(
  createAppRouter({ countMax: config.countMax, bulkItemsMax: config.bulkItemsMax }),
  {
    version: serviceVersion,
    countMax: config.countMax,
    bodyBytesMax: config.bodyBytesMax,
    defaultRaffleId: config.defaultRaffleId,
  },
);
const text = `${JSON.stringify(document, null, 2)}\n`;
const target = process.argv[2];
if (target === undefined) process.stdout.write(text);
else writeFileSync(target, text);
