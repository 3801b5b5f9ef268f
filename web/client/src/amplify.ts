// The AppSync Events subscription through the official aws-amplify events API (`events.connect` from
// `aws-amplify/data`), and the configuration for a deployment or the local stack.
import { Amplify } from 'aws-amplify';
import { fetchAuthSession } from 'aws-amplify/auth';
import { events } from 'aws-amplify/data';
import { Hub } from 'aws-amplify/utils';
import type { ChannelHandlers, ChannelSubscriber, ChannelSubscription } from './follower.js';
import type { GraphQLAuth } from './graphql-client.js';

export type ChatAuth =
  | { type: 'apiKey'; apiKey: string }
  /**
   * Cognito user pool: the app configures Amplify Auth (Cognito) itself; Events use Amplify's session.
   * `token` overrides the GraphQL Authorization value (default: the session's access token).
   */
  | { type: 'userPool'; token?: string | (() => string | Promise<string>) };

export interface ChatConfig {
  /** The AppSync GraphQL endpoint, e.g. https://xxxx.appsync-api.eu-west-1.amazonaws.com/graphql. */
  graphqlUrl: string;
  /** The AppSync Events HTTP endpoint, e.g. https://xxxx.appsync-api.eu-west-1.amazonaws.com/event. */
  eventsEndpoint: string;
  region: string;
  auth: ChatAuth;
  /**
   * Local stack only: the emulator's plain realtime URL (ws://127.0.0.1:<port>/event/realtime). Amplify
   * always connects to wss://<events host>/event/realtime; in a browser the local emulator's self-signed
   * certificate would be refused, so the WebSocket constructor is wrapped to open this URL instead for
   * exactly that one wss URL (every other URL is untouched). See README.md.
   */
  localRealtimeUrl?: string;
}

/** The fields of the local stack's .local/endpoints.json this client reads (unknown fields are ignored). */
export interface LocalEndpoints {
  graphqlUrl: string;
  graphqlApiKey: string;
  eventsHttpsUrl: string;
  eventsRealtimeUrl: string;
  eventsApiKey: string;
  region: string;
}

/**
 * The configuration for the local stack (`dotnet run --project Local`), from .local/endpoints.json.
 * `plainRealtime`: connect to the emulator's plain ws:// port (browsers; default true). In Node you may
 * instead trust the emulator's certificate (NODE_EXTRA_CA_CERTS=<eventsCertificatePath>) and pass false.
 */
export function localConfig(endpoints: LocalEndpoints, plainRealtime = true): ChatConfig {
  return {
    graphqlUrl: endpoints.graphqlUrl,
    eventsEndpoint: endpoints.eventsHttpsUrl,
    region: endpoints.region,
    auth: { type: 'apiKey', apiKey: endpoints.graphqlApiKey },
    ...(plainRealtime ? { localRealtimeUrl: endpoints.eventsRealtimeUrl } : {}),
  };
}

/** The GraphQL auth of a configuration. */
export function graphqlAuth(auth: ChatAuth): GraphQLAuth {
  if (auth.type === 'apiKey') return auth;
  const token = auth.token;
  return {
    type: 'userPool',
    token:
      token ??
      (async () => {
        const session = await fetchAuthSession();
        const value = session.tokens?.accessToken?.toString();
        if (!value) throw new Error('No Cognito session: sign in first (aws-amplify/auth).');
        return value;
      }),
  };
}

type WebSocketCtor = new (url: string, protocols?: string | string[]) => unknown;

let wrapped: { from: string; to: string } | null = null;

/**
 * Routes Amplify's wss://<events host>/event/realtime to `to` (the local emulator's ws:// URL): a subclass
 * of the global WebSocket that rewrites that one URL. Idempotent; needs a global WebSocket (browsers,
 * React Native; in Node 20 set globalThis.WebSocket from the `ws` package first).
 */
export function routeRealtimeTo(eventsEndpoint: string, to: string): void {
  const g = globalThis as unknown as { WebSocket?: WebSocketCtor };
  const from = realtimeUrlOf(eventsEndpoint);
  if (wrapped) {
    wrapped = { from, to };
    return;
  }
  const Base = g.WebSocket;
  if (!Base) throw new Error('No global WebSocket: in Node 20 set globalThis.WebSocket = (await import("ws")).default first.');
  wrapped = { from, to };
  const Routed = class extends (Base as new (url: string, protocols?: string | string[]) => object) {
    constructor(url: string, protocols?: string | string[]) {
      const text = String(url);
      const target = wrapped && (text === wrapped.from || text.startsWith(`${wrapped.from}?`)) ? wrapped.to + text.slice(wrapped.from.length) : text;
      super(target, protocols);
    }
  };
  g.WebSocket = Routed as unknown as WebSocketCtor;
}

/** What Amplify connects to for a (local, custom-domain) Events endpoint: wss://<host>/event/realtime. */
export function realtimeUrlOf(eventsEndpoint: string): string {
  // Amplify's rule for a custom domain (any host but *.appsync-api.<region>.amazonaws.com): <endpoint>/realtime over wss.
  return `${eventsEndpoint.replace(/^https?:\/\//i, 'wss://').replace(/\/+$/, '')}/realtime`;
}

/** Configures Amplify's Events API for this configuration (merged into any existing Amplify configuration). */
export function configureAmplify(config: ChatConfig): void {
  if (config.localRealtimeUrl) routeRealtimeTo(config.eventsEndpoint, config.localRealtimeUrl);
  // Keep what the app configured already (e.g. Auth for Cognito); getConfig() only after a configure (it warns otherwise).
  const existing = (Amplify as unknown as { isConfigured?: boolean }).isConfigured ? Amplify.getConfig() : {};
  Amplify.configure({
    ...existing,
    API: {
      ...existing.API,
      Events: {
        endpoint: config.eventsEndpoint,
        region: config.region,
        defaultAuthMode: config.auth.type === 'apiKey' ? 'apiKey' : 'userPool',
        ...(config.auth.type === 'apiKey' ? { apiKey: config.auth.apiKey } : {}),
      },
    },
  });
}

export type ConnectionState = 'connecting' | 'connected' | 'disrupted' | 'disconnected';

function mapState(s: string): ConnectionState {
  if (s === 'Connected' || s === 'ConnectedPendingKeepAlive' || s === 'ConnectedPendingNetwork' || s === 'ConnectedPendingDisconnect') return 'connected';
  if (s === 'Connecting') return 'connecting';
  if (s === 'Disconnected') return 'disconnected';
  return 'disrupted';
}

/**
 * Amplify's WebSocket connection state (Hub channel 'api', ConnectionStateChange). Returns an unsubscribe
 * function. A change to 'connected' after 'disrupted' is a reconnect: events in between may be lost.
 */
export function onConnectionState(listener: (state: ConnectionState, raw: string) => void): () => void {
  return Hub.listen('api', (data: { payload: { event: string; data?: unknown } }) => {
    const { payload } = data;
    if (payload.event !== 'ConnectionStateChange') return;
    const raw = String((payload.data as { connectionState?: string } | undefined)?.connectionState ?? '');
    listener(mapState(raw), raw);
  });
}

/** The channel subscriber over Amplify's events API: subscribe, await the server's ack, report reconnects. */
export class AmplifyEventsSubscriber implements ChannelSubscriber {
  async subscribe(channel: string, handlers: ChannelHandlers): Promise<ChannelSubscription> {
    const ch = await events.connect(channel);
    let everConnected = false;
    let disrupted = false;
    const stopListening = onConnectionState((state) => {
      if (state === 'connected') {
        if (disrupted && everConnected) handlers.reconnected();
        disrupted = false;
        everConnected = true;
      } else if (state === 'disrupted' || state === 'disconnected') {
        disrupted = true;
      }
    });
    const sub = ch.subscribe({
      next: (data: { event?: unknown }) => handlers.event(data?.event ?? data),
      error: (error: unknown) => handlers.failed(error),
    });
    try {
      await sub.ready;
    } catch (error) {
      stopListening();
      ch.close();
      throw error;
    }
    everConnected = true;
    return {
      close: () => {
        stopListening();
        sub.unsubscribe();
        ch.close();
      },
    };
  }
}
