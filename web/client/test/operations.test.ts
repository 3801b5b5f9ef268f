// Every GraphQL operation of the client is valid against Contracts/schema.graphql (with AppSync's
// scalars and directives declared, as the local endpoint does), so the documents cannot drift.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../src/operations.js';

const appSyncPrelude = `
scalar AWSDate scalar AWSTime scalar AWSDateTime scalar AWSTimestamp scalar AWSEmail scalar AWSJSON scalar AWSPhone scalar AWSURL scalar AWSIPAddress
directive @aws_api_key on FIELD_DEFINITION | OBJECT
directive @aws_iam on FIELD_DEFINITION | OBJECT
directive @aws_cognito_user_pools(cognito_groups: [String]) on FIELD_DEFINITION | OBJECT
directive @aws_oidc on FIELD_DEFINITION | OBJECT
directive @aws_lambda on FIELD_DEFINITION | OBJECT
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION
`;
const sdl = readFileSync(join(__dirname, '..', '..', '..', 'Contracts', 'schema.graphql'), 'utf8');
const schema = buildSchema(appSyncPrelude + sdl);

describe('GraphQL operations', () => {
  it.each(Object.entries(OPERATIONS))('%s is valid against Contracts/schema.graphql', (name, document) => {
    const errors = validate(schema, parse(document));
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(parse(document).definitions[0]).toMatchObject({ name: { value: name } });
  });

  it('a document that does not match the schema fails validation (the check can fail)', () => {
    const errors = validate(schema, parse('query { getConversation(conversationId: "x") { noSuchField } }'));
    expect(errors.length).toBeGreaterThan(0);
  });
});
