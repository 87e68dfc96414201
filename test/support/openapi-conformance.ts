/**
 * Checks a JSON value against a schema of the service's OpenAPI 3.0 document, for the subset of
 * OpenAPI the document uses ($ref, allOf, nullable, enum, type, properties, required,
 * additionalProperties, items). A property the schema does not declare is a problem too, unless
 * the schema allows additional properties: a response class that forgets a field fails.
 */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, Schema> };
}

export interface OpenApiOperation {
  operationId?: string;
  deprecated?: boolean;
  responses: Record<string, { content?: Record<string, { schema?: Schema }>; headers?: Record<string, unknown> }>;
}

export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  nullable?: boolean;
  enum?: unknown[];
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
}

function resolve(document: OpenApiDocument, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = document.components.schemas[name];
  if (!target) throw new Error(`unknown schema ${schema.$ref}`);
  return resolve(document, target);
}

export function schemaProblems(document: OpenApiDocument, raw: Schema, value: unknown, at = '$'): string[] {
  const schema = resolve(document, raw);
  if (value === null) return schema.nullable || raw.nullable ? [] : [`${at} is null`];
  if (schema.allOf) return schema.allOf.flatMap((part) => schemaProblems(document, part, value, at));
  if (schema.enum && !schema.enum.includes(value)) return [`${at} = ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' ? [] : [`${at} is not a string`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at} is not a boolean`];
    case 'number':
      return typeof value === 'number' ? [] : [`${at} is not a number`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at} is not an integer`];
    case 'array': {
      if (!Array.isArray(value)) return [`${at} is not an array`];
      const sizes =
        (schema.minItems !== undefined && value.length < schema.minItems) ||
        (schema.maxItems !== undefined && value.length > schema.maxItems)
          ? [`${at} has ${value.length} items`]
          : [];
      return [...sizes, ...value.flatMap((item, i) => (schema.items ? schemaProblems(document, schema.items, item, `${at}[${i}]`) : []))];
    }
    case 'object':
    case undefined: {
      if (schema.type === undefined && !schema.properties) return [];
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at} is not an object`];
      const record = value as Record<string, unknown>;
      const problems = (schema.required ?? []).filter((key) => !(key in record)).map((key) => `${at}.${key} is missing`);
      for (const [key, item] of Object.entries(record)) {
        const property = schema.properties?.[key];
        if (property) problems.push(...schemaProblems(document, property, item, `${at}.${key}`));
        else if (typeof schema.additionalProperties === 'object') {
          problems.push(...schemaProblems(document, schema.additionalProperties, item, `${at}.${key}`));
        } else if (schema.additionalProperties !== true) problems.push(`${at}.${key} is not in the schema`);
      }
      return problems;
    }
  }
  return [];
}

/** The schema of the JSON answer of `METHOD path` with `status` in the document. */
export function responseSchema(document: OpenApiDocument, method: string, path: string, status: number): Schema {
  const operation = document.paths[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${method} ${path} is not in the document`);
  const schema = operation.responses[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${method} ${path} → ${status} has no JSON schema`);
  return schema;
}
