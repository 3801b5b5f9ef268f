// Builds the executable schema: AppSync's prelude (scalars, auth directives) + Contracts/schema.graphql,
// root fields resolved by the Api function (direct Lambda resolver), every field guarded by the
// auth directives of its type or itself.
import { readFileSync } from 'node:fs';
import { buildSchema, defaultFieldResolver, isObjectType } from 'graphql';
import { allowedModes, assertFieldAllowed, AuthMode } from './auth.mjs';
import { appSyncPreludeSdl, appSyncScalars } from './scalars.mjs';
import { buildResolverEvent, invokeLambda } from './lambda-resolver.mjs';

export function loadSchema(schemaPath, options) {
  let userSdl;
  try {
    userSdl = readFileSync(schemaPath, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the GraphQL schema at ${schemaPath}: ${error.message}`);
  }
  for (const name of Object.keys(appSyncScalars)) {
    if (new RegExp(`^\\s*scalar\\s+${name}\\b`, 'm').test(userSdl)) {
      throw new Error(`${schemaPath} declares scalar ${name}, which AppSync defines itself.`);
    }
  }
  const schema = buildSchema(`${appSyncPreludeSdl}\n${userSdl}`);

  for (const [name, impl] of Object.entries(appSyncScalars)) {
    const type = schema.getType(name);
    type.serialize = impl.serialize;
    type.parseValue = impl.parseValue;
    type.parseLiteral = impl.parseLiteral;
  }

  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const allowed = allowedModes(type, field, AuthMode.ApiKey);
      if (roots.has(type)) {
        field.resolve = async (source, args, context, info) => {
          assertFieldAllowed(allowed, context.auth, type.name, field.name);
          return invokeLambda(options, buildResolverEvent(source, args, context, info));
        };
      } else {
        field.resolve = (source, args, context, info) => {
          assertFieldAllowed(allowed, context.auth, type.name, field.name);
          return defaultFieldResolver(source, args, context, info);
        };
      }
    }
  }
  return schema;
}
