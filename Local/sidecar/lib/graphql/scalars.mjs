// AppSync's built-in scalars (docs/aws-protocols.md §7.2), with the validation AppSync applies on input
// (variables and literals) and on output (values a resolver returns). A bad value is a GraphQL error,
// never silently passed through.
import { GraphQLError, Kind } from 'graphql';

const offset = '(?:Z|[+-]\\d{2}:\\d{2}(?::\\d{2})?)';
const time = '\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?';
const date = '\\d{4}-\\d{2}-\\d{2}';

// AWSDate / AWSTime: offset optional. AWSDateTime: offset required, with a colon (AppSync rejects
// +0100). Seconds and the fraction are optional (1-9 digits).
const datePattern = new RegExp(`^${date}${offset}?$`);
const timePattern = new RegExp(`^${time}${offset}?$`);
const dateTimePattern = new RegExp(`^${date}T${time}${offset}$`);
const emailPattern = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const phonePattern = /^\+?[0-9][0-9 -]{2,}[0-9]$/;

function validCalendarDate(text) {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number);
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

function validClock(text) {
  const [h, min, s] = text.split(/[:.Z+-]/).map(Number);
  return h <= 23 && min <= 59 && (Number.isNaN(s) || s === undefined || s <= 59);
}

function validUrl(text) {
  // RFC 1738: a scheme is required; AppSync also rejects a double slash inside the path.
  if (/\s/.test(text) || !/^[A-Za-z][A-Za-z0-9+.-]*:./.test(text)) return false;
  try {
    return !new URL(text).pathname.includes('//');
  } catch {
    return false;
  }
}

function validIp(text) {
  const [address, prefix, ...extra] = text.split('/');
  if (extra.length > 0) return false;
  const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(address);
  let ipv6 = false;
  if (!ipv4 && address.includes(':')) {
    try {
      new URL(`http://[${address}]/`);
      ipv6 = true;
    } catch {
      ipv6 = false;
    }
  }
  if (!ipv4 && !ipv6) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (ipv4 ? 32 : 128);
}

function stringScalar(name, check) {
  const fail = (value) => new GraphQLError(`Invalid ${name} value: ${JSON.stringify(value)}`, {
    extensions: { errorType: 'ValidationError' },
  });
  const coerce = (value) => {
    if (typeof value !== 'string' || !check(value)) throw fail(value);
    return value;
  };
  return {
    serialize: coerce,
    parseValue: coerce,
    parseLiteral(ast) {
      if (ast.kind !== Kind.STRING) throw fail(ast.value ?? ast.kind);
      return coerce(ast.value);
    },
  };
}

function jsonScalar() {
  const fail = (detail) => new GraphQLError(`Invalid AWSJSON value: ${detail}`, {
    extensions: { errorType: 'ValidationError' },
  });
  const parse = (value) => {
    if (typeof value !== 'string') throw fail('expected a JSON string');
    try {
      return JSON.parse(value);
    } catch (error) {
      throw fail(error.message);
    }
  };
  return {
    // Resolvers may return any JSON value; the wire carries it as a JSON string.
    serialize(value) {
      if (typeof value === 'string') {
        parse(value);
        return value;
      }
      return JSON.stringify(value);
    },
    // Resolvers receive the parsed value.
    parseValue: parse,
    parseLiteral(ast) {
      if (ast.kind !== Kind.STRING) throw fail('expected a JSON string literal');
      return parse(ast.value);
    },
  };
}

function timestampScalar() {
  const fail = (value) => new GraphQLError(`Invalid AWSTimestamp value: ${JSON.stringify(value)}`, {
    extensions: { errorType: 'ValidationError' },
  });
  const coerce = (value) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw fail(value);
    return value;
  };
  return {
    serialize: coerce,
    parseValue: coerce,
    parseLiteral(ast) {
      if (ast.kind !== Kind.INT) throw fail(ast.value ?? ast.kind);
      return coerce(Number(ast.value));
    },
  };
}

/** Implementations keyed by scalar name. */
export const appSyncScalars = {
  AWSDate: stringScalar('AWSDate', (v) => datePattern.test(v) && validCalendarDate(v)),
  AWSTime: stringScalar('AWSTime', (v) => timePattern.test(v) && validClock(v)),
  AWSDateTime: stringScalar('AWSDateTime', (v) => dateTimePattern.test(v) && validCalendarDate(v) && validClock(v.slice(11))),
  AWSTimestamp: timestampScalar(),
  AWSEmail: stringScalar('AWSEmail', (v) => emailPattern.test(v)),
  AWSJSON: jsonScalar(),
  AWSPhone: stringScalar('AWSPhone', (v) => phonePattern.test(v)),
  AWSURL: stringScalar('AWSURL', validUrl),
  AWSIPAddress: stringScalar('AWSIPAddress', validIp),
};

/** SDL prepended to the user's schema: AppSync's scalars and auth directives are built in there. */
export const appSyncPreludeSdl = `
${Object.keys(appSyncScalars).map((name) => `scalar ${name}`).join('\n')}

directive @aws_api_key on OBJECT | FIELD_DEFINITION | INTERFACE
directive @aws_iam on OBJECT | FIELD_DEFINITION | INTERFACE
directive @aws_oidc on OBJECT | FIELD_DEFINITION | INTERFACE
directive @aws_lambda on OBJECT | FIELD_DEFINITION | INTERFACE
directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION | INTERFACE
directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
directive @aws_publish(subscriptions: [String]) on FIELD_DEFINITION
`;
