// Request limits of the local GraphQL endpoint, checked before graphql-js parses, validates or executes
// anything, so a hostile request gets an AppSync-shaped error instead of reaching the engine
// (docs/security.md, "Limits"; the AppSync facts and what is UNCONFIRMED: docs/aws-protocols.md §7.4).
//
// queryDepthLimit and resolverCountLimit are AppSync API settings: the CDK stack deploys the same values
// (Cdk/Graphql/GraphqlLimits.cs; tests/Cdk.Tests checks that both agree). The other three stand in for
// limits AppSync applies itself without documenting them.
import { GraphQLError, Kind, Lexer, Source, TokenKind } from 'graphql';

export const graphqlLimits = Object.freeze({
  /** Request body (query + variables + operationName), in bytes. */
  maxBodyBytes: 1_048_576,
  /** Nested field levels; a root field is level 1 (AppSync queryDepthLimit: 1-75, 0 = none). */
  queryDepthLimit: 20,
  /** Root fields (each one a Lambda invocation) per request (AppSync resolverCountLimit: 1-10,000). */
  resolverCountLimit: 10,
  /** Lexical tokens of the query document. */
  maxTokens: 15_000,
  /** Fields, fragment spreads and inline fragments visited with every fragment expanded (aliases count each time). */
  maxSelections: 1_000,
});

/** An error of the request document, answered with HTTP 200 and errorType ValidationError, as AppSync reports document errors. */
function limitError(message) {
  return new GraphQLError(message, { extensions: { errorType: 'ValidationError' } });
}

/**
 * Reads the whole body as UTF-8 text, or answers { tooLarge: true } as soon as it passes the limit (by its
 * Content-Length or by what arrived), buffering nothing past it; the rest is read and dropped.
 */
export function readBoundedBody(req, maxBytes) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      resolve({ tooLarge: true });
      return;
    }
    const chunks = [];
    let length = 0;
    req.on('data', (chunk) => {
      if (length > maxBytes) return;
      length += chunk.length;
      if (length > maxBytes) resolve({ tooLarge: true });
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (length <= maxBytes) resolve({ text: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', reject);
  });
}

/** The HTTP answer to a body over the limit (AppSync's request-level error shape; status UNCONFIRMED). */
export function bodyTooLarge(maxBytes) {
  return {
    errors: [{ errorType: 'BadRequestException', message: `The request body exceeds the limit of ${maxBytes} bytes.` }],
  };
}

/**
 * Scans the query text token by token (no recursion) before it is parsed: graphql-js parses nested
 * selections, lists and objects recursively, and a document nested a few thousand levels deep overflows
 * its stack. Throws the limit error, or the lexer's own syntax error.
 */
export function checkQueryText(query, limits = graphqlLimits) {
  const lexer = new Lexer(new Source(query));
  const maxNesting = limits.queryDepthLimit * 3; // selection sets, plus argument lists and input objects beside them
  let tokens = 0;
  let nesting = 0;
  for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
    tokens += 1;
    if (tokens > limits.maxTokens) {
      throw limitError(`The query has more than ${limits.maxTokens} tokens; the limit is ${limits.maxTokens}.`);
    }
    if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.BRACKET_L || token.kind === TokenKind.PAREN_L) {
      nesting += 1;
      if (nesting > maxNesting) {
        throw limitError(`The query nests more than ${maxNesting} levels of braces, brackets or parentheses; the query depth limit is ${limits.queryDepthLimit}.`);
      }
    } else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.BRACKET_R || token.kind === TokenKind.PAREN_R) {
      nesting = Math.max(0, nesting - 1);
    }
  }
}

/**
 * Walks every operation with fragments expanded (an explicit stack: no recursion, and a fragment cycle or
 * a fragment bomb stops at maxSelections). Returns the limit errors (depth, root fields, selections), or [].
 */
export function checkDocumentLimits(document, limits = graphqlLimits) {
  const fragments = new Map();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const errors = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const name = definition.name ? ` ${definition.name.value}` : '';
    let selections = 0;
    let rootFields = 0;
    let deepest = 0;
    const stack = [{ selectionSet: definition.selectionSet, depth: 0 }];
    while (stack.length > 0 && selections <= limits.maxSelections && deepest <= limits.queryDepthLimit) {
      const { selectionSet, depth } = stack.pop();
      for (const selection of selectionSet.selections) {
        selections += 1;
        if (selection.kind === Kind.FIELD) {
          deepest = Math.max(deepest, depth + 1);
          if (depth === 0 && !selection.name.value.startsWith('__')) rootFields += 1;
          if (selection.selectionSet) stack.push({ selectionSet: selection.selectionSet, depth: depth + 1 });
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          stack.push({ selectionSet: selection.selectionSet, depth });
        } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const fragment = fragments.get(selection.name.value);
          if (fragment) stack.push({ selectionSet: fragment.selectionSet, depth }); // unknown names: validation reports them
        }
      }
    }
    if (deepest > limits.queryDepthLimit) {
      errors.push(limitError(`Operation${name} is more than ${limits.queryDepthLimit} fields deep; the query depth limit is ${limits.queryDepthLimit}.`));
    } else if (selections > limits.maxSelections) {
      errors.push(limitError(`Operation${name} selects more than ${limits.maxSelections} fields and fragments (aliases and expanded fragments count each time); the limit is ${limits.maxSelections}.`));
    } else if (rootFields > limits.resolverCountLimit) {
      errors.push(limitError(`Operation${name} has ${rootFields} root fields, each a resolver call; the resolver count limit is ${limits.resolverCountLimit}.`));
    }
  }
  return errors;
}
