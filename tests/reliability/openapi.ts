/**
 * The API's own OpenAPI document, read as a list of operations to aim malformed requests at — so a
 * route a module adds tomorrow is fuzzed without new test code.
 */
import type { FastifyInstance } from 'fastify';

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
}

export interface Param {
  name: string;
  in: 'path' | 'query';
  schema: JsonSchema;
  required?: boolean;
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path, `/api/v1/org-units/{id}` */
  path: string;
  params: Param[];
  /** The JSON body's schema, when the route takes one. */
  body?: JsonSchema;
  /** The route takes a raw upload (xlsx, photo) rather than JSON. */
  upload: boolean;
  /** Anonymous (login, refresh) or signed (webhook) routes: no bearer token expected. */
  anonymous: boolean;
}

interface Doc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Param[];
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
        security?: unknown[];
      }
    >
  >;
}

export async function operationsOf(app: FastifyInstance): Promise<Operation[]> {
  const doc = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json() as Doc;
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const [method, op] of Object.entries(methods)) {
      const content = op.requestBody?.content ?? {};
      const json = content['application/json']?.schema;
      ops.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        params: op.parameters ?? [],
        body: json,
        upload: !json && Object.keys(content).length > 0,
        anonymous: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return ops.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}
