// The OpenAPI 3.0 objects the document (document.ts) is built from, and the
// small pieces every part of it shares.

/** A reference to another part of the document. */
export type Ref = { $ref: string };

/** The subset of the OpenAPI 3.0 Schema Object this document uses. */
export type Schema = {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  description?: string;
  enum?: readonly (string | number | boolean)[];
  nullable?: boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  default?: unknown;
  example?: unknown;
  properties?: Record<string, Schema | Ref>;
  required?: readonly string[];
  additionalProperties?: boolean;
  items?: Schema | Ref;
  allOf?: readonly (Schema | Ref)[];
  oneOf?: readonly (Schema | Ref)[];
  anyOf?: readonly (Schema | Ref)[];
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
};

export const schemaRef = (name: string): Ref => ({ $ref: `#/components/schemas/${name}` });

/** `{ success: true, data }`: the envelope of every 2xx JSON answer of the seed API, around an object of `properties`. */
export function successEnvelope(properties: Record<string, Schema | Ref>, extra: Omit<Schema, "properties" | "type"> = {}): Schema {
  return {
    type: "object",
    ...extra,
    properties: {
      success: { type: "boolean", enum: [true] },
      data: { type: "object", properties, required: Object.keys(properties), additionalProperties: false },
    },
    required: ["success", "data"],
    additionalProperties: false,
  };
}

type Example = { summary: string; value: unknown };
type MediaType = { schema: Schema | Ref; example?: unknown; examples?: Record<string, Example> };
export type Header = { description: string; required?: boolean; schema: Schema };
export type Response = { description: string; headers?: Record<string, Header>; content?: Record<string, MediaType> };
export type Parameter = {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  description: string;
  schema: Schema;
  example?: unknown;
};
export type Operation = {
  tags: string[];
  summary: string;
  description: string;
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, MediaType> };
  responses: Record<string, Response | Ref>;
};
export type Server = { url: string; description: string };
export type PathItem = { servers?: Server[]; get?: Operation; head?: Operation; post?: Operation; delete?: Operation };

/** `security` of an operation that needs no API key. */
export const NO_AUTH: Record<string, string[]>[] = [];

export const JSON_TYPE = "application/json";
