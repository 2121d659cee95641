import {
  ClientWriteRequestOnDuplicateWrites,
  OpenFgaClient,
  type TupleKey,
  type WriteAuthorizationModelRequest,
} from '@openfga/sdk';
import { transformer } from '@openfga/syntax-transformer';
import { canonicalJson } from '../decision.cache.js';
import { findStoreId } from './fga.engine.js';

export interface FgaStoreState {
  storeId: string;
  modelId: string;
  created: boolean;
  modelWritten: boolean;
  tuplesWritten: number;
}

/** DSL (opa/fga/model.fga) to the JSON the API takes; throws with the line of a syntax error. */
export function fgaModelFromDsl(dsl: string): WriteAuthorizationModelRequest {
  return transformer.transformDSLToJSONObject(dsl);
}

type ModelJson = Parameters<typeof transformer.transformJSONToDSL>[0];

function normaliseModel(model: object): string {
  return canonicalJson(
    transformer.transformDSLToJSONObject(transformer.transformJSONToDSL(model as ModelJson)),
  );
}

/**
 * Makes the store `name` exist with `model` as its latest model and `tuples` written. Idempotent: the model is
 * written only when it differs from the latest one, and tuples already present are ignored.
 */
export async function ensureFgaStore(
  apiUrl: string,
  name: string,
  model: WriteAuthorizationModelRequest,
  tuples: TupleKey[],
): Promise<FgaStoreState> {
  const root = new OpenFgaClient({ apiUrl });
  let storeId = await findStoreId(root, name);
  const created = !storeId;
  storeId ??= (await root.createStore({ name })).id;
  const store = new OpenFgaClient({ apiUrl, storeId });
  const latest = await store.readLatestAuthorizationModel().catch(() => undefined);
  const current = latest?.authorization_model;
  // The server fills in defaults and reorders relations: compare both normalised.
  const same = current !== undefined && normaliseModel(current) === normaliseModel(model);
  const modelId = same ? current.id : (await store.writeAuthorizationModel(model)).authorization_model_id;
  if (tuples.length > 0) {
    await new OpenFgaClient({ apiUrl, storeId, authorizationModelId: modelId }).writeTuples(tuples, {
      conflict: { onDuplicateWrites: ClientWriteRequestOnDuplicateWrites.Ignore },
    });
  }
  return { storeId, modelId, created, modelWritten: !same, tuplesWritten: tuples.length };
}
