/**
 * OpenFGA provisioning: the store (found by name at app boot), the model from opa/fga/model.fga, and the
 * tuples from opa/fga/tuples.json with $DEFAULT_TENANT replaced by the default tenant's id.
 */
import { ensureFgaStore, fgaModelFromDsl } from '#soma/policy';
import { type TupleKey } from '@openfga/sdk';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function provisionOpenFga(
  root: string,
  apiUrl: string,
  storeName: string,
  defaultTenantId: string,
): Promise<string> {
  const model = fgaModelFromDsl(readFileSync(join(root, 'opa', 'fga', 'model.fga'), 'utf8'));
  const file = JSON.parse(readFileSync(join(root, 'opa', 'fga', 'tuples.json'), 'utf8')) as {
    tuples: TupleKey[];
  };
  const tuples = file.tuples.map((tuple) => ({
    user: tuple.user.replaceAll('$DEFAULT_TENANT', defaultTenantId),
    relation: tuple.relation,
    object: tuple.object.replaceAll('$DEFAULT_TENANT', defaultTenantId),
  }));
  const state = await ensureFgaStore(apiUrl, storeName, model, tuples);
  return `store "${storeName}" ${state.created ? 'created' : 'found'} (${state.storeId}), model ${
    state.modelWritten ? 'written' : 'unchanged'
  } (${state.modelId}), ${state.tuplesWritten} tuples ensured`;
}
